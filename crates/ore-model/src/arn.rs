//! A resource's ARN read into its parts, as IAM's ARN reference writes the three forms:
//! `arn:partition:service:region:account-id:resource-id`, `…:resource-type/resource-id` and
//! `…:resource-type:resource-id`. What ORE takes from it: the resource's type
//! (`service:resource-type`, the message's `resource_type`), its id, and where it lives (the
//! account and region to ask for its tags).

use crate::ec2::{is_account, is_region};

/// An ARN is at most this long (IAM's and the Tagging API's limit on `ResourceARN`).
pub const MAX_ARN_CHARS: usize = 1011;

/// A resource ARN's parts, borrowed from the ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceArn<'a> {
    /// The whole ARN.
    pub arn: &'a str,
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: &'a str,
    /// The service namespace, e.g. `rds`.
    pub service: &'a str,
    /// The region, empty for a global resource (an S3 bucket, an IAM role).
    pub region: &'a str,
    /// The account, empty for a resource that names none (an S3 bucket).
    pub account: &'a str,
    /// The resource type, when the ARN names one (`db` in `…:db:orders`).
    pub kind: Option<&'a str>,
    /// The resource's id within its type (`orders`; `cluster/task-id` for an ECS task).
    pub id: &'a str,
}

impl<'a> ResourceArn<'a> {
    /// The ARN's parts, or `None` when `text` is not an AWS ARN ORE can name a resource by:
    /// no control character, the prefix (partition, service, region, account) printable ASCII,
    /// the partition an `aws` one, a service and a resource id present, and the region and
    /// account, where given, in AWS's formats. The resource part may hold what its service's
    /// names may: spaces and letters beyond ASCII (an Auto Scaling group `web tier`, a
    /// CloudWatch alarm `High CPU`).
    pub fn parse(text: &'a str) -> Option<Self> {
        if text.len() > MAX_ARN_CHARS || text.chars().any(char::is_control) {
            return None;
        }
        let mut parts = text.splitn(6, ':');
        let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(rest)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return None;
        };
        let prefix_ok = [partition, service, region, account]
            .iter()
            .all(|part| part.bytes().all(|b| b.is_ascii_graphic()));
        let service_ok = prefix_ok
            && !service.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !partition.starts_with("aws")
            || !service_ok
            || rest.is_empty()
            || !(region.is_empty() || is_region(region))
            || !(account.is_empty() || is_account(account))
        {
            return None;
        }
        // `type/id` or `type:id`, whichever separator comes first; a bare id has neither.
        let (kind, id) = match rest.find(['/', ':']) {
            Some(at) if at > 0 && at + 1 < rest.len() => (Some(&rest[..at]), &rest[at + 1..]),
            _ => (None, rest),
        };
        Some(ResourceArn {
            arn: text,
            partition,
            service,
            region,
            account,
            kind,
            id,
        })
    }

    /// `service:resource-type`, e.g. `rds:db`, `ec2:volume`, `lambda:function`; the service
    /// alone when the ARN names no type (`s3` for a bucket).
    pub fn resource_type(&self) -> String {
        match self.kind {
            Some(kind) => format!("{}:{kind}", self.service),
            None => self.service.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_iam_documents() {
        let db = ResourceArn::parse("arn:aws:rds:eu-west-1:123456789012:db:orders").expect("db");
        assert_eq!((db.resource_type().as_str(), db.id), ("rds:db", "orders"));
        assert_eq!((db.region, db.account), ("eu-west-1", "123456789012"));
        let volume =
            ResourceArn::parse("arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0")
                .expect("volume");
        assert_eq!(
            (volume.resource_type().as_str(), volume.id),
            ("ec2:volume", "vol-0123456789abcdef0")
        );
        let task = ResourceArn::parse(
            "arn:aws-cn:ecs:cn-north-1:123456789012:task/web/0123456789abcdef0123456789abcdef",
        )
        .expect("task");
        assert_eq!(task.partition, "aws-cn");
        assert_eq!(
            (task.resource_type().as_str(), task.id),
            ("ecs:task", "web/0123456789abcdef0123456789abcdef")
        );
        let bucket = ResourceArn::parse("arn:aws:s3:::my-bucket").expect("bucket");
        assert_eq!(
            (bucket.resource_type().as_str(), bucket.id, bucket.region),
            ("s3", "my-bucket", "")
        );
    }

    #[test]
    fn a_resource_part_may_hold_what_its_services_names_may() {
        let group = ResourceArn::parse(
            "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:8f6f2a4c:autoScalingGroupName/web tier",
        )
        .expect("a group named with a space");
        assert_eq!(group.id, "8f6f2a4c:autoScalingGroupName/web tier");
        let alarm =
            ResourceArn::parse("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:Hohe CPU-Last ü")
                .expect("an alarm named beyond ASCII");
        assert_eq!(alarm.resource_type(), "cloudwatch:alarm");
    }

    #[test]
    fn what_is_not_a_resource_arn() {
        for text in [
            "",
            "UNKNOWN",
            "i-0abc1234def567890",
            "arn:aws:rds:eu-west-1:123456789012:",
            "arn:aws:rds:eu-west-1:1234:db:orders",
            "arn:aws:rds:EU-WEST-1:123456789012:db:orders",
            "arn:other:rds:eu-west-1:123456789012:db:orders",
            "arn:aws::eu-west-1:123456789012:db:orders",
            "arn:aws:rds:eu-west-1:123456789012:db:<script>\u{7}",
            "arn:aws:rds:eu-west-1:123456789012:db:orders\n",
            "arn:aws:r ds:eu-west-1:123456789012:db:orders",
        ] {
            assert_eq!(ResourceArn::parse(text), None, "{text:?}");
        }
        let long = format!("arn:aws:s3:::{}", "a".repeat(MAX_ARN_CHARS));
        assert_eq!(ResourceArn::parse(&long), None);
    }
}
