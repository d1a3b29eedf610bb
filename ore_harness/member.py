"""A member account of the organisation in a local run: what member/template.yaml gives it, on the
emulator's multi-account support. Its EC2 instances live in its own account (and here another
region); its enrichment role is the template's (name, trust and permission policy) in its IAM;
its forwarding rules are the template's patterns. The hop from its default bus to the central
one is emulated (docs/local-pipeline.md "Emulated hops": the emulator's EventBridge delivers no event to another
account's bus): an event that a forwarding rule matches is put on the central bus unchanged,
keeping its own account and region, as EventBridge delivers it."""
import json

import boto3
from moto.events.models import EventPattern

from .emulator import ACCOUNT
from .template import MEMBER_TEMPLATE, Document, of_type

MEMBER_ACCOUNT = "222233334444"
MEMBER_REGION = "us-east-1"
MEMBER_NAME = "payments-prod"
# The role an organisation's management account can assume in its members (what a StackSet's
# service-managed permissions rely on); the emulator lets any credentials assume it.
ADMIN_ROLE = f"arn:aws:iam::{MEMBER_ACCOUNT}:role/OrganizationAccountAccessRole"


class MemberAccount:
    """One member account and region, deployed from member/template.yaml's parameters."""

    def __init__(self, central_bus, central_stack, central_region, enrichment_role_name, say=print):
        self.template = Document(MEMBER_TEMPLATE)
        self.central_bus = central_bus
        self.central_stack = central_stack
        normalizer_role_arn = central_stack.normalizer_role_arn()
        self.parameters = {"CentralAccountId": ACCOUNT, "CentralRegion": central_region,
                           "NormalizerRoleArn": normalizer_role_arn, "EnrichmentRoleName": enrichment_role_name,
                           "AWS::AccountId": MEMBER_ACCOUNT, "AWS::Region": MEMBER_REGION, "AWS::Partition": "aws"}
        credentials = boto3.client("sts").assume_role(RoleArn=ADMIN_ROLE, RoleSessionName="ore-demo")["Credentials"]
        session = boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"],
                                        aws_secret_access_key=credentials["SecretAccessKey"],
                                        aws_session_token=credentials["SessionToken"], region_name=MEMBER_REGION)
        self.ec2 = session.client("ec2")
        self.iam = session.client("iam")
        present = self.template.present(self.parameters)
        self.rules = [(name, EventPattern.load(json.dumps(self.template.rule_pattern(name, self.parameters))))
                      for name in of_type(self.template.resources, "AWS::Events::Rule")
                      if name in present and self.template.rule_enabled(name, self.parameters)]
        if "EnrichmentRole" in present:
            self._create_enrichment_role()
        self.forwarded = self.refused = 0
        say(f"member account {MEMBER_ACCOUNT} ({MEMBER_NAME}), {MEMBER_REGION}: enrichment role "
            f"{enrichment_role_name} trusting {normalizer_role_arn}, {len(self.rules)} forwarding rules to the "
            "central bus (member/template.yaml)")

    def _create_enrichment_role(self):
        role = self.template.resolve(self.template.resources["EnrichmentRole"]["Properties"], self.parameters, {})
        self.iam.create_role(RoleName=role["RoleName"], Description=role["Description"],
                             AssumeRolePolicyDocument=json.dumps(role["AssumeRolePolicyDocument"]),
                             MaxSessionDuration=role["MaxSessionDuration"])
        for policy in role["Policies"]:
            self.iam.put_role_policy(RoleName=role["RoleName"], PolicyName=policy["PolicyName"],
                                     PolicyDocument=json.dumps(policy["PolicyDocument"]))

    def launch(self, tags):
        spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
        reply = self.ec2.run_instances(ImageId="ami-12c6146b", InstanceType="m7g.large", MinCount=1, MaxCount=1,
                                       TagSpecifications=spec)
        return reply["Instances"][0]["InstanceId"]

    def put(self, event):
        """The member's default bus: forwarded to the central bus when a forwarding rule matches
        and the central bus's policy accepts this account (else EventBridge retries, then the
        member's dead-letter queue: counted in `refused`)."""
        if not any(pattern.matches_event(event) for _, pattern in self.rules):
            return []
        if not self.central_stack.accepts_events_from(MEMBER_ACCOUNT):
            self.refused += 1
            return []
        self.forwarded += 1
        return self.central_bus.put(event)
