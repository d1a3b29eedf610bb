"""What `sam build` left in .aws-sam/build: a Lambda `bootstrap` per function, for the template's
architecture. scripts/test.sh runs this right after `sam build`."""
import os
import pathlib

from samtranslator.yaml_helper import yaml_parse

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
ELF_MACHINES = {183: "arm64", 62: "x86_64"}


def elf_architecture(path):
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF executable"
    return ELF_MACHINES.get(int.from_bytes(header[18:20], "little"), "unknown")


def test_every_function_has_a_bootstrap_for_the_chosen_architecture():
    expected = os.environ.get("ORE_ARCHITECTURE", "arm64")
    built = yaml_parse((BUILD / "template.yaml").read_text())
    functions = [n for n, r in built["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]
    assert sorted(functions) == ["CsvFormatterFunction", "EmailerFunction", "NormalizerFunction"]
    for name in functions:
        bootstrap = BUILD / name / "bootstrap"
        assert bootstrap.is_file(), f"{bootstrap} missing"
        assert os.access(bootstrap, os.X_OK), f"{bootstrap} is not executable"
        assert elf_architecture(bootstrap) == expected, name
        size_mb = bootstrap.stat().st_size / 1e6
        print(f"{name}: bootstrap {size_mb:.1f} MB ({expected})")
