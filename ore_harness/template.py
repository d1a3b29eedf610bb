"""template.yaml as data: the one place the harness learns the function table (binaries, queues,
dead-letter queues, batch sizes, redrive, environment, log groups), the rules' patterns and the
parameters. Adding a function to the template adds it here; nothing else lists them."""
import dataclasses
import pathlib
import re

from samtranslator.yaml_helper import yaml_parse

ROOT = pathlib.Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
# The member accounts' stack (a StackSet): forwarding rules and the enrichment role.
MEMBER_TEMPLATE = ROOT / "member" / "template.yaml"


def of_type(resources, kind):
    """The resources of one CloudFormation type, by logical id."""
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def ref(value):
    """The logical id a {Ref} or {Fn::GetAtt} points at, else None."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            attribute = value["Fn::GetAtt"]
            return attribute[0] if isinstance(attribute, list) else attribute.split(".")[0]
    return None


@dataclasses.dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function as the template defines it."""
    name: str                 # logical id, e.g. NormalizerFunction
    binary: str               # the cargo binary (Metadata.BuildProperties.Binary)
    queue: str                # logical id of the queue its SQS event source reads
    dead_letter_queue: str    # logical id of that queue's DLQ
    max_receive_count: int
    batch_size: int
    batching_window: int      # seconds Lambda gathers records (MaximumBatchingWindowInSeconds)
    source_topic: str         # logical id of the topic its queue subscribes to
    log_group: str            # logical id of its log group
    environment: dict         # its own variables (template values, unresolved)
    timeout: int              # seconds

    def outputs(self, resources):
        """Logical ids of the SNS topics it publishes to (its environment names them)."""
        return [ref(v) for v in self.environment.values()
                if ref(v) in resources and resources[ref(v)]["Type"] == "AWS::SNS::Topic"]


LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"


def _substitute(value, identifier, item):
    """`value` with every ${identifier} and &{identifier} replaced by `item`, in keys and values."""
    if isinstance(value, str):
        return value.replace(f"${{{identifier}}}", item).replace(f"&{{{identifier}}}", item)
    if isinstance(value, list):
        return [_substitute(v, identifier, item) for v in value]
    if isinstance(value, dict):
        return {_substitute(k, identifier, item): _substitute(v, identifier, item) for k, v in value.items()}
    return value


def _literals_resolved(value, mappings):
    """What the transform resolves once the identifiers are in: a Fn::Sub with nothing left to
    substitute is its text, a Fn::FindInMap of literal keys is the mapped value."""
    if isinstance(value, list):
        return [_literals_resolved(v, mappings) for v in value]
    if not isinstance(value, dict):
        return value
    value = {k: _literals_resolved(v, mappings) for k, v in value.items()}
    if list(value) == ["Fn::Sub"] and isinstance(value["Fn::Sub"], str) and "${" not in value["Fn::Sub"]:
        return value["Fn::Sub"]
    if list(value) == ["Fn::FindInMap"] and all(isinstance(k, str) for k in value["Fn::FindInMap"]):
        mapping, first, second = value["Fn::FindInMap"]
        return mappings[mapping][first][second]
    return value


def expand_loops(section, mappings):
    """A template section with its Fn::ForEach loops written out, as the AWS::LanguageExtensions
    transform does before SAM's (the Fn::ForEach page of the CloudFormation template reference):
    each item of a loop's collection replaces ${Identifier} in the loop's fragment. Only literal
    collections, as ORE's templates use; a loop inside a fragment is written out too."""
    expanded = {}
    for key, value in section.items():
        if not key.startswith("Fn::ForEach::"):
            expanded[key] = value
            continue
        identifier, collection, fragment = value
        for item in collection:
            written = _literals_resolved(_substitute(fragment, identifier, item), mappings)
            expanded.update(expand_loops(written, mappings))
    return expanded


def without_language_extensions(doc):
    """The template as CloudFormation hands it to SAM: loops written out, that transform done."""
    transforms = doc.get("Transform")
    if not isinstance(transforms, list) or LANGUAGE_EXTENSIONS not in transforms:
        return doc
    left = [t for t in transforms if t != LANGUAGE_EXTENSIONS]
    resources = expand_loops(doc["Resources"], doc.get("Mappings", {}))
    return dict(doc, Resources=resources, Transform=left[0] if len(left) == 1 else left)


class Document:
    """A CloudFormation template as CloudFormation reads it (its language extensions applied):
    resources, parameter defaults, and the values and conditions CloudFormation would evaluate."""

    def __init__(self, path):
        self.doc = without_language_extensions(yaml_parse(pathlib.Path(path).read_text()))
        self.resources = self.doc["Resources"]
        self.parameters = {name: p.get("Default", "") for name, p in self.doc["Parameters"].items()}

    def rule(self, name):
        return self.resources[name]["Properties"]

    def rule_pattern(self, name, parameters=None):
        """A rule's event pattern with parameter references resolved."""
        return self.resolve(self.rule(name)["EventPattern"], parameters or {}, {})

    def rule_enabled(self, name, parameters=None):
        """Whether EventBridge would run the rule: its `State` (every ORE rule states one), with
        parameter conditions resolved (ConfigChangeRule is DISABLED until a type is chosen)."""
        return self.resolve(self.rule(name).get("State", "ENABLED"), parameters or {}, {}) == "ENABLED"

    def resolve(self, value, parameters, physical):
        """A template value with Ref, Fn::If and conditions evaluated: `parameters` override the
        defaults (and may give pseudo parameters such as AWS::AccountId), `physical` maps
        logical ids (and pseudo parameters such as AWS::StackName) to what the (emulated) stack
        created. A CommaDelimitedList parameter becomes a list, AWS::NoValue becomes None."""
        if isinstance(value, list):
            return [self.resolve(v, parameters, physical) for v in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            name = value["Ref"]
            if name == "AWS::NoValue":
                return None
            if name in physical:
                return physical[name]
            if name.startswith("AWS::") and name in parameters:
                return parameters[name]
            if name in self.parameters:
                resolved = parameters.get(name, self.parameters[name])
                if self.doc["Parameters"][name]["Type"] == "CommaDelimitedList" and isinstance(resolved, str):
                    return resolved.split(",")
                return resolved
            return physical[name]
        if "Fn::Sub" in value:
            text, variables = value["Fn::Sub"] if isinstance(value["Fn::Sub"], list) else (value["Fn::Sub"], {})
            variables = {name: self.resolve(v, parameters, physical) for name, v in variables.items()}
            return re.sub(r"\$\{([^}!]+)\}",
                          lambda m: str(variables[m.group(1)] if m.group(1) in variables
                                        else self.resolve({"Ref": m.group(1)}, parameters, physical)), text)
        if "Fn::Split" in value:
            separator, text = value["Fn::Split"]
            return str(self.resolve(text, parameters, physical)).split(separator)
        if "Fn::GetAtt" in value:
            attribute = value["Fn::GetAtt"]
            logical, name = attribute if isinstance(attribute, list) else attribute.split(".", 1)
            if f"{logical}.{name}" in physical:
                return physical[f"{logical}.{name}"]
            # What the emulated stack created: a queue by its URL, a topic by its ARN.
            if name == "QueueName":
                return physical[logical].rsplit("/", 1)[-1]
            if name == "TopicName":
                return physical[logical].rsplit(":", 1)[-1]
            raise KeyError(f"no local value for Fn::GetAtt {logical}.{name}")
        if "Fn::FindInMap" in value:
            mapping, first, second = (self.resolve(v, parameters, physical) for v in value["Fn::FindInMap"])
            return self.doc["Mappings"][mapping][str(first)][second]
        if "Fn::Select" in value:
            index, items = value["Fn::Select"]
            return self.resolve(items, parameters, physical)[int(index)]
        if "Fn::Join" in value:
            separator, items = value["Fn::Join"]
            return separator.join(str(item) for item in self.resolve(items, parameters, physical))
        if "Fn::If" in value:
            condition, when_true, when_false = value["Fn::If"]
            chosen = when_true if self.condition(condition, parameters) else when_false
            return self.resolve(chosen, parameters, physical)
        # A property whose value is AWS::NoValue is left out, as CloudFormation does.
        resolved = {k: self.resolve(v, parameters, physical) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not None}

    def condition(self, name, parameters):
        return self._evaluate(self.doc["Conditions"][name], parameters)

    def _evaluate(self, expression, parameters):
        if "Fn::Not" in expression:
            return not self._evaluate(expression["Fn::Not"][0], parameters)
        if "Fn::And" in expression:
            return all(self._evaluate(e, parameters) for e in expression["Fn::And"])
        if "Fn::Or" in expression:
            return any(self._evaluate(e, parameters) for e in expression["Fn::Or"])
        if "Fn::Equals" in expression:
            left, right = (str(self.resolve(v, parameters, {})) for v in expression["Fn::Equals"])
            return left == right
        if "Condition" in expression:
            return self.condition(expression["Condition"], parameters)
        raise ValueError(f"unsupported condition {expression}")

    def present(self, parameters):
        """Logical ids of the resources a stack with these parameters would create."""
        return [name for name, resource in self.resources.items()
                if "Condition" not in resource or self.condition(resource["Condition"], parameters)]


class Template(Document):
    """template.yaml as written (before SAM's transform)."""

    def __init__(self, path=TEMPLATE):
        super().__init__(path)
        self.global_function = self.doc["Globals"]["Function"]
        self.global_environment = dict(self.global_function["Environment"]["Variables"])
        self.functions = self._functions()

    def _functions(self):
        subscriptions = of_type(self.resources, "AWS::SNS::Subscription").values()
        found = []
        for name, resource in of_type(self.resources, "AWS::Serverless::Function").items():
            props = resource["Properties"]
            [event] = [e for e in props["Events"].values() if e["Type"] == "SQS"]
            queue = ref(event["Properties"]["Queue"])
            redrive = self.resources[queue]["Properties"]["RedrivePolicy"]
            [topic] = [ref(s["Properties"]["TopicArn"]) for s in subscriptions
                       if ref(s["Properties"]["Endpoint"]) == queue]
            found.append(FunctionSpec(
                name=name, binary=resource["Metadata"]["BuildProperties"]["Binary"], queue=queue,
                dead_letter_queue=ref(redrive["deadLetterTargetArn"]),
                max_receive_count=int(redrive["maxReceiveCount"]),
                batch_size=int(self.resolve(event["Properties"]["BatchSize"], {}, {})),
                batching_window=int(self.resolve(event["Properties"].get("MaximumBatchingWindowInSeconds", 0), {}, {})),
                source_topic=topic, log_group=ref(props["LoggingConfig"]["LogGroup"]),
                environment=dict(props.get("Environment", {}).get("Variables", {})),
                timeout=int(props.get("Timeout", self.global_function["Timeout"]))))
        return self._in_pipeline_order(found)

    def _in_pipeline_order(self, functions):
        """First the function fed by the EC2 rule's topic, then those fed by what earlier ones
        publish: the order an event (and a heartbeat) reaches them."""
        reached = {ref(t["Arn"]) for t in self.rule("Ec2StateChangeRule")["Targets"]}
        ordered, left = [], list(functions)
        while left:
            step = [f for f in left if f.source_topic in reached]
            if not step:
                raise ValueError(f"no topic feeds {[f.name for f in left]}")
            ordered += step
            left = [f for f in left if f not in step]
            reached |= {topic for f in step for topic in f.outputs(self.resources)}
        return ordered

    def function(self, name):
        [spec] = [f for f in self.functions if f.name == name]
        return spec

    def topics(self):
        return list(of_type(self.resources, "AWS::SNS::Topic"))

    def environment(self, spec, parameters, physical):
        """A function's variables as Lambda would set them: Globals, then its own, resolved."""
        merged = dict(self.global_environment, **spec.environment)
        resolved = {k: self.resolve(v, parameters, physical) for k, v in merged.items()}
        return {k: str(v) for k, v in resolved.items() if v is not None}
