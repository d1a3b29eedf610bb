"""The numbers of docs/organisation.md, "Running for an organisation", are ore_harness.org_scale's output, and the
model's inputs that the repository defines or measures elsewhere agree with it."""
import pathlib
import re

from ore_harness import org_scale
from ore_harness.template import Template

ROOT = pathlib.Path(__file__).resolve().parents[2]


def readme_block():
    text = (ROOT / "docs" / "organisation.md").read_text()
    found = re.search(r"<!-- org-scale:begin -->\n(.*?)<!-- org-scale:end -->", text, re.S)
    assert found, "docs/organisation.md has the org-scale block"
    return found.group(1)


def test_the_readme_shows_the_models_output():
    expected = org_scale.tables([org_scale.Scale(n) for n in org_scale.ACCOUNTS])
    assert readme_block() == expected, "run: python -m ore_harness.org_scale, paste between the markers"


def test_batch_sizes_concurrency_and_memory_are_the_templates():
    template = Template()
    assert org_scale.BATCH_SIZES == {f.binary: f.batch_size for f in template.functions}
    assert set(org_scale.MAXIMUM_CONCURRENCY) == set(org_scale.BATCH_SIZES)
    assert org_scale.MAXIMUM_CONCURRENCY["normalizer"] == int(template.parameters["NormalizerMaxConcurrency"])
    assert org_scale.MAXIMUM_CONCURRENCY["emailer"] == int(template.parameters["EmailerMaxConcurrency"])
    assert org_scale.MEMORY_GB == template.global_function["MemorySize"] / 1024


def test_every_size_stays_inside_the_quotas_and_the_defaults_say_when_to_raise_concurrency():
    for accounts in org_scale.ACCOUNTS:
        scale = org_scale.Scale(accounts)
        assert scale.sts_per_second() < org_scale.STS_REQUESTS_PER_SECOND_QUOTA / 100
        assert scale.describe_per_second_per_account() < org_scale.EC2_DESCRIBE_REFILL_PER_SECOND / 10
    # The page's advice: the default normalizer concurrency keeps up with 100 accounts' bursts,
    # not with 1,000 accounts' (5 does).
    assert org_scale.Scale(100).concurrency("normalizer") <= org_scale.MAXIMUM_CONCURRENCY["normalizer"]
    big = org_scale.Scale(1000).concurrency("normalizer")
    assert org_scale.MAXIMUM_CONCURRENCY["normalizer"] < big <= 5
    assert "`NormalizerMaxConcurrency` to 5" in (ROOT / "docs" / "organisation.md").read_text()


def test_costs_grow_with_the_organisation_and_every_line_is_priced():
    small, large = (org_scale.Scale(n).monthly_cost() for n in (10, 1000))
    assert small.keys() == large.keys()
    for line in small:
        assert large[line] >= small[line], line
        assert large[line] > 0, line
    # Linear in events, apart from fixed costs (the key, idle polling).
    assert 30 < sum(large.values()) / sum(small.values()) < 100
