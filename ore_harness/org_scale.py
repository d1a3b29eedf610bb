"""ORE for an organisation, in numbers: events per day for N accounts, the concurrency that keeps up,
the STS and EC2 call rates against their quotas, and the monthly bill. One model, printed as the
tables of docs/organisation.md, "Running for an organisation" (tests/bench/test_org_scale.py keeps that page
equal to this output, and holds the model's measured inputs to what the benchmarks and the local
pipeline measure).

    python -m ore_harness.org_scale            # the tables of docs/organisation.md
    python -m ore_harness.org_scale --instances 400 --changes 10 --accounts 50

Every input is a named constant below with where it comes from: a list price (us-east-1, on-demand,
no free tier, as AWS publishes them; check them against your region and discounts), an AWS quota,
a call count read from the code, or a measurement.
"""
import argparse
import dataclasses

from .template import Template

# ---------------------------------------------------------------- the organisation (assumptions)
ACCOUNTS = (10, 100, 1000)
# Instances per account and state changes per instance and day: a stop/start cycle is four
# changes (stopping, stopped, pending, running); launches and terminations add more.
INSTANCES_PER_ACCOUNT = 100
CHANGES_PER_INSTANCE_DAY = 6
# A burst (an auto scaling group, "terminate everything") as a multiple of the average rate.
PEAK_FACTOR = 20
# People's mail: with digests and routing, one mail per this many state changes (a lone change is
# one mail, a burst of 30 across two teams is two). SES is shown separately, per 1,000 mails.
CHANGES_PER_MAIL = 5
DAYS_PER_MONTH = 30

# ---------------------------------------------------------------- what ORE does per event (the code)
# Normalizer, per state change: at most one DescribeInstances (one per account and region a batch names,
# counted here as if every batch held one account's one event), a Query of
# the instance's history and a two-item TransactWriteItems (history + state) on the state table
# (crates/normalizer/src/store/dynamodb/mod.rs), one SNS publish of the standard message.
NORMALIZER_DESCRIBE_CALLS = 1
STATE_TABLE_READ_UNITS = 1          # a strongly consistent Query of under 4 KB
STATE_TABLE_WRITE_UNITS = 4         # two items under 1 KB, transactional: 2 units each
# csv-formatter: one SNS publish per message. Emailer: one mail-ledger claim and one update per mail.
LEDGER_WRITE_UNITS_PER_MAIL = 2
# SNS publishes per event: the raw events topic (by EventBridge), the normalized topic, the CSV topic,
# the chat topic (one post per message, counted without digests: an upper bound).
SNS_PUBLISHES_PER_EVENT = 4
# SQS messages per event: raw -> normalizer, normalized -> csv-formatter, -> emailer, -> bus-publisher
# and -> chat-notifier; each is a SendMessage (by SNS) plus its share of Lambda's batched ReceiveMessage
# and DeleteMessageBatch.
SQS_QUEUES_PER_EVENT = 5
# bus-publisher: one PutEvents entry per message (a batch of 10 is one request; EventBridge bills
# entries, each up to 64 KB). The archive of the ORE bus keeps each message (about 2 KB).
BUS_MESSAGE_KB = 2

def _from_template():
    """Batch sizes, the event sources' MaximumConcurrency and memory, as template.yaml sets them."""
    template = Template()
    sizes, concurrency = {}, {}
    for spec in template.functions:
        sizes[spec.binary] = spec.batch_size
        [event] = [e for e in template.resources[spec.name]["Properties"]["Events"].values() if e["Type"] == "SQS"]
        limit = event["Properties"]["ScalingConfig"]["MaximumConcurrency"]
        concurrency[spec.binary] = int(template.resolve(limit, {}, {}))
    return sizes, concurrency, int(template.global_function["MemorySize"]) / 1024


BATCH_SIZES, MAXIMUM_CONCURRENCY, MEMORY_GB = _from_template()
# Lambda's SQS pollers long-poll each queue even when it is idle (a few concurrent 20 s polls).
IDLE_POLLS_PER_QUEUE_MONTH = 5 * (86400 // 20) * DAYS_PER_MONTH
ARCHIVE_RECORD_BILLED_KB = 5        # Firehose bills each record rounded up to 5 KB

# ---------------------------------------------------------------- what it costs in time (measured)
# Billed time of one batch: the records of a batch are handled concurrently (ore-lambda's batch
# helper), so a batch lasts about as long as its slowest record's AWS calls. CPU per message is
# microseconds (cargo bench: normalizer >= 100,000 messages/s/core, csv >= 300,000, emailer >=
# 20,000: docs/benchmarks.md "Benchmarks"), so these are AWS latencies: DescribeInstances across accounts and
# regions ~100 ms, DynamoDB ~10 ms a call, SNS/SES ~20-50 ms.
BATCH_SECONDS = {"normalizer": 0.20, "csv-formatter": 0.05, "emailer": 0.30, "bus-publisher": 0.05,
                 "chat-notifier": 0.10}
# Log bytes per state change, the five functions together: the local pipeline's measured volume
# (7.3 KB per message on 2026-12-06, the bus-publisher's and the chat-notifier's 1.3 KB each;
# tests/pipeline holds it under this), an upper bound: the demo
# invokes with one record at a time, so per-invocation lines (batch summary, EMF metrics) count per
# record, and its files include the runtime emulator's own lines.
LOG_BYTES_PER_EVENT = 8000

# ---------------------------------------------------------------- quotas (AWS documentation)
STS_REQUESTS_PER_SECOND_QUOTA = 600  # IAM and AWS STS quotas: STS request rate, per account
EC2_DESCRIBE_REFILL_PER_SECOND = 20  # EC2 API request throttling: non-mutating actions, per account and region
# The normalizer keeps each account's credentials until 5 minutes before they expire (1 hour
# sessions): one AssumeRole per account, per execution environment, per 55 minutes.
CREDENTIAL_REUSE_SECONDS = 55 * 60
EXECUTION_ENVIRONMENTS = 4           # the normalizer's MaximumConcurrency, and as many again recycled within the hour
# SES: the emailer sends at most SesMaxSendRate mails (recipients) per second; 1 is its default.
SES_DEFAULT_SEND_RATE = 1

# ---------------------------------------------------------------- list prices (USD, us-east-1)
PRICE = {
    "eventbridge_cross_account_per_million": 1.00,   # events delivered to another account's bus
    "eventbridge_custom_event_per_million": 1.00,    # PutEvents entries, 64 KB chunks
    "eventbridge_archive_per_gb": 0.10,              # events archived (processing); storage adds $0.023/GB-month
    "sns_publish_per_million": 0.50,                 # 64 KB chunks; SNS -> SQS deliveries free
    "sqs_request_per_million": 0.40,                 # standard queues
    "lambda_request_per_million": 0.20,
    "lambda_arm64_gb_second": 0.0000133334,
    "dynamodb_write_unit_per_million": 0.625,        # on-demand
    "dynamodb_read_unit_per_million": 0.125,
    "logs_ingest_per_gb": 0.50,
    "firehose_ingest_per_gb": 0.029,
    "kms_key_per_month": 1.00,
    "ses_per_thousand": 0.10,
}


@dataclasses.dataclass(frozen=True)
class Scale:
    accounts: int
    instances: int = INSTANCES_PER_ACCOUNT
    changes: int = CHANGES_PER_INSTANCE_DAY

    @property
    def events_per_day(self):
        return self.accounts * self.instances * self.changes

    @property
    def events_per_month(self):
        return self.events_per_day * DAYS_PER_MONTH

    @property
    def average_per_second(self):
        return self.events_per_day / 86400

    @property
    def peak_per_second(self):
        return self.average_per_second * PEAK_FACTOR

    def concurrency(self, function):
        """Concurrent executions a function needs at the peak rate (Little's law on batches)."""
        return self.peak_per_second / BATCH_SIZES[function] * BATCH_SECONDS[function]

    def throughput(self, function):
        """Messages per second a function drains at its MaximumConcurrency with full batches."""
        return MAXIMUM_CONCURRENCY[function] * BATCH_SIZES[function] / BATCH_SECONDS[function]

    def mails_per_second(self):
        return self.average_per_second / CHANGES_PER_MAIL

    def sts_per_second(self):
        return self.accounts * EXECUTION_ENVIRONMENTS / CREDENTIAL_REUSE_SECONDS

    def describe_per_second_per_account(self):
        """DescribeInstances in one member account at the peak: what ORE takes of its EC2 bucket."""
        return self.peak_per_second / self.accounts * NORMALIZER_DESCRIBE_CALLS

    def monthly_cost(self):
        """USD per month, by line."""
        events = self.events_per_month
        mails = events / CHANGES_PER_MAIL
        million = 1_000_000
        batches = {f: events / size for f, size in BATCH_SIZES.items()}
        lambda_seconds = sum(batches[f] * BATCH_SECONDS[f] for f in BATCH_SIZES)
        sqs_requests = (events * SQS_QUEUES_PER_EVENT + 2 * sum(batches.values())
                        + SQS_QUEUES_PER_EVENT * IDLE_POLLS_PER_QUEUE_MONTH)
        return {
            "EventBridge, member accounts to the central bus": events * PRICE["eventbridge_cross_account_per_million"] / million,
            "SNS publishes": events * SNS_PUBLISHES_PER_EVENT * PRICE["sns_publish_per_million"] / million,
            "SQS requests": sqs_requests * PRICE["sqs_request_per_million"] / million,
            "Lambda (arm64, 128 MB)": (sum(batches.values()) * PRICE["lambda_request_per_million"] / million
                                       + lambda_seconds * MEMORY_GB * PRICE["lambda_arm64_gb_second"]),
            "DynamoDB (state table, mail ledger)": (
                (events * STATE_TABLE_WRITE_UNITS + mails * LEDGER_WRITE_UNITS_PER_MAIL)
                * PRICE["dynamodb_write_unit_per_million"] / million
                + events * STATE_TABLE_READ_UNITS * PRICE["dynamodb_read_unit_per_million"] / million),
            "CloudWatch Logs": events * LOG_BYTES_PER_EVENT / 1e9 * PRICE["logs_ingest_per_gb"],
            "Firehose archive": events * ARCHIVE_RECORD_BILLED_KB / 1e6 * PRICE["firehose_ingest_per_gb"],
            "EventBridge, the ORE bus and its archive": (
                events * PRICE["eventbridge_custom_event_per_million"] / million
                + events * BUS_MESSAGE_KB / 1e6 * PRICE["eventbridge_archive_per_gb"]),
            "KMS key": PRICE["kms_key_per_month"],
        }

    def ses_monthly(self):
        return self.events_per_month / CHANGES_PER_MAIL / 1000 * PRICE["ses_per_thousand"]


def _money(value):
    return f"{value:,.2f}"


def _count(value):
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def _rate(value):
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def tables(scales):
    heads = " | ".join(f"{s.accounts:,} accounts" for s in scales)
    rule = "|---" * (len(scales) + 1) + "|"
    lines = [
        f"Assumed: {scales[0].instances} instances per account, {scales[0].changes} state changes per instance "
        f"and day, bursts {PEAK_FACTOR}× the average rate, one mail per {CHANGES_PER_MAIL} changes.",
        "",
        f"| volume and rates | {heads} |", rule,
        "| state changes per day | " + " | ".join(_count(s.events_per_day) for s in scales) + " |",
        "| average / peak per second | " + " | ".join(
            f"{_rate(s.average_per_second)} / {_rate(s.peak_per_second)}" for s in scales) + " |",
    ]
    for function in BATCH_SIZES:
        lines.append(f"| {function}: concurrent executions needed at the peak (drains "
                     f"{scales[0].throughput(function):,.0f}/s at its {MAXIMUM_CONCURRENCY[function]}) | "
                     + " | ".join(_rate(s.concurrency(function)) for s in scales) + " |")
    lines += [
        f"| sts:AssumeRole per second (quota {STS_REQUESTS_PER_SECOND_QUOTA}) | "
        + " | ".join(_rate(s.sts_per_second()) for s in scales) + " |",
        f"| ec2:DescribeInstances per second in one member account at the peak (refill {EC2_DESCRIBE_REFILL_PER_SECOND}) | "
        + " | ".join(_rate(s.describe_per_second_per_account()) for s in scales) + " |",
        f"| mails per second, average (SesMaxSendRate, default {SES_DEFAULT_SEND_RATE}) | "
        + " | ".join(_rate(s.mails_per_second()) for s in scales) + " |",
        "",
        f"| USD per month | {heads} |", rule,
    ]
    costs = [s.monthly_cost() for s in scales]
    for line in costs[0]:
        lines.append(f"| {line} | " + " | ".join(_money(c[line]) for c in costs) + " |")
    lines.append("| **total, without mail** | " + " | ".join(f"**{_money(sum(c.values()))}**" for c in costs) + " |")
    lines.append("| SES mail | " + " | ".join(_money(s.ses_monthly()) for s in scales) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, nargs="*", default=list(ACCOUNTS))
    parser.add_argument("--instances", type=int, default=INSTANCES_PER_ACCOUNT)
    parser.add_argument("--changes", type=int, default=CHANGES_PER_INSTANCE_DAY)
    args = parser.parse_args(argv)
    print(tables([Scale(n, args.instances, args.changes) for n in args.accounts]), end="")


if __name__ == "__main__":
    main()
