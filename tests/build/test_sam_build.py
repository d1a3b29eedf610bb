"""What `sam build` left in .aws-sam/build: a Lambda `bootstrap` per function, for the template's
architecture. scripts/test.sh runs this right after `sam build`."""
import os
import pathlib

from samtranslator.yaml_helper import yaml_parse

from ore_harness.bench import elf_machine
from ore_harness.template import Template, without_language_extensions

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"


def test_every_function_has_a_bootstrap_for_the_chosen_architecture():
    expected = os.environ.get("ORE_ARCHITECTURE", "arm64")
    # sam build keeps the Fn::ForEach loops for CloudFormation; the functions are outside them.
    built = without_language_extensions(yaml_parse((BUILD / "template.yaml").read_text()))
    functions = [n for n, r in built["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]
    assert sorted(functions) == sorted(f.name for f in Template().functions)
    for name in functions:
        bootstrap = BUILD / name / "bootstrap"
        assert bootstrap.is_file(), f"{bootstrap} missing"
        assert os.access(bootstrap, os.X_OK), f"{bootstrap} is not executable"
        assert bootstrap.read_bytes()[:4] == b"\x7fELF", f"{bootstrap} is not an ELF executable"
        assert elf_machine(bootstrap) == expected, name
        size_mb = bootstrap.stat().st_size / 1e6
        print(f"{name}: bootstrap {size_mb:.1f} MB ({expected})")
