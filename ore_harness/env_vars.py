"""The `--env-vars` file `sam local invoke` reads (local/env.json), made from template.yaml.

`sam local invoke` resolves parameters (samconfig.toml's `local` section passes them), but neither
a reference to a resource (a variable whose value is `!Ref SomeTopic` would hold the logical id) nor a
condition (`!If`, which it passes as an empty value). This file gives each such variable its value in
a local run: a topic's ARN or a table's name in the emulator (`ore-local-<LogicalId>`, as
`ore_harness.stack` names them), the ORE bus's ARN (its name is the EventBusName parameter's),
and a conditional value evaluated with `LocalEndpointUrl` set (the emulator's endpoint).
Generated, never edited: `scripts/test.sh` fails when it drifts.

    python -m ore_harness.env_vars > local/env.json
"""
import json

from .emulator import ACCOUNT, REGION
from .stack import STACK
from .template import Template, ref


def topic_arn(logical_id, region=REGION, account=ACCOUNT):
    """The ARN a template topic has in a local emulator."""
    return f"arn:aws:sns:{region}:{account}:{STACK}-{logical_id}"


def event_bus_arn(name, region=REGION, account=ACCOUNT):
    """The ARN of the event bus named `name` (the template's EventBusName) in a local emulator."""
    return f"arn:aws:events:{region}:{account}:event-bus/{name}"


# samconfig.toml's `local` sections pass the same endpoint as LocalEndpointUrl.
LOCAL_ENDPOINT = "http://127.0.0.1:5000"


def env_vars(template=None, endpoint=LOCAL_ENDPOINT):
    """{function: {variable: value}} for every variable `sam local invoke` cannot resolve."""
    template = template or Template()
    parameters = {"LocalEndpointUrl": endpoint}
    files = {}
    for spec in template.functions:
        values = {}
        for name, value in dict(template.global_environment, **spec.environment).items():
            if ref(value) in template.resources:
                kind = template.resources[ref(value)]["Type"]
                if kind == "AWS::SNS::Topic":
                    values[name] = topic_arn(ref(value))
                elif kind == "AWS::DynamoDB::Table":
                    values[name] = f"{STACK}-{ref(value)}"
                elif kind == "AWS::Events::EventBus":
                    bus = template.resources[ref(value)]["Properties"]["Name"]
                    values[name] = event_bus_arn(template.resolve(bus, parameters, {}))
                else:
                    raise ValueError(f"{spec.name}.{name}: no local value for a {ref(value)} reference")
            elif isinstance(value, dict) and "Fn::If" in value:
                resolved = template.resolve(value, parameters, {})
                if resolved is not None:
                    values[name] = str(resolved)
        files[spec.name] = values
    return files


if __name__ == "__main__":
    print(json.dumps(env_vars(), indent=2))
