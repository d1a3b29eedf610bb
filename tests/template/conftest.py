"""Fixtures for the template tests: template.yaml as written, and after SAM's transform."""
import copy
import os
import pathlib

import pytest
from samtranslator.parser.parser import Parser
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

from ore_harness.template import without_language_extensions

ROOT = pathlib.Path(__file__).resolve().parents[2]
# The translator resolves pseudo parameters from the region; no AWS call is made.
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")


class NoManagedPolicies:
    """ORE's functions bring their own roles, so SAM resolves no managed policy names."""

    def load(self):
        return {}


@pytest.fixture(scope="session")
def source_template():
    """template.yaml as CloudFormation hands it to SAM (its Fn::ForEach loops written out)."""
    return without_language_extensions(yaml_parse((ROOT / "template.yaml").read_text()))


@pytest.fixture(scope="session")
def transformed(source_template):
    parameters = {"EmailFrom": "ore@example.com", "EmailTo": "ops@example.com", "EmailAllowedDomains": "example.com"}
    parameters.update({"AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"})
    template = copy.deepcopy(source_template)
    # What `sam deploy` hands CloudFormation: code uploaded, CodeUri an S3 location.
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://ore-artifacts/ore/0123456789abcdef"
    return transform(template, parameters, NoManagedPolicies())


@pytest.fixture(scope="session")
def resources(transformed):
    return transformed["Resources"]
