"""The `--env-vars` file `sam local invoke` reads (local/env.json), made from template.yaml.

`sam local invoke` resolves parameters (samconfig.toml's `local` section passes them), but not a
reference to a resource: a variable whose value is `!Ref SomeTopic` would hold the logical id. This
file gives each such variable the ARN the topic has in a local emulator (`ore-local-<LogicalId>`,
as `ore_harness.stack` names it). Generated, never edited: `scripts/test.sh` fails when it drifts.

    python -m ore_harness.env_vars > local/env.json
"""
import json

from .emulator import ACCOUNT, REGION
from .stack import STACK
from .template import Template, ref


def topic_arn(logical_id, region=REGION, account=ACCOUNT):
    """The ARN a template topic has in a local emulator."""
    return f"arn:aws:sns:{region}:{account}:{STACK}-{logical_id}"


def env_vars(template=None):
    """{function: {variable: topic ARN}} for every variable that refers to a topic."""
    template = template or Template()
    files = {}
    for spec in template.functions:
        topics = {name: topic_arn(ref(value)) for name, value in spec.environment.items()
                  if ref(value) in spec.outputs(template.resources)}
        if topics:
            files[spec.name] = topics
    return files


if __name__ == "__main__":
    print(json.dumps(env_vars(), indent=2))
