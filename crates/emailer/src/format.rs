//! How the mails write times, durations and links: one place, so every view says "2 hours ago"
//! and links the console the same way.

use chrono::{DateTime, Utc};

/// `2026-11-26 09:15:02 UTC`.
pub fn human_time(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// "just now", "5 minutes ago", "2 hours ago"; a future time (clock skew) says so.
pub fn ago(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds();
    if seconds < -60 {
        return format!("{} from now (clock skew?)", span(-seconds));
    }
    if seconds < 60 {
        return "just now".to_owned();
    }
    format!("{} ago", span(seconds))
}

/// `1 minute`, `3 hours`, `2 days`: the largest whole unit.
pub fn span(seconds: i64) -> String {
    let (count, unit) = match seconds {
        s if s < 3_600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3_600, "hour"),
        s => (s / 86_400, "day"),
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

/// The instance's page in the EC2 console of its partition and region.
pub fn console_url(partition: &str, region: &str, instance_id: &str) -> Option<String> {
    resource_console(partition, region, "ec2:instance", instance_id).map(|(url, _)| url)
}

/// The resource's page in its service's console, and the console's name, for the kinds ORE
/// links to: EC2 instances and volumes, RDS DB instances and clusters, Lambda functions. Only an
/// id of the kind's own form gets a link (an id is event data: it must not shape a URL).
pub fn resource_console(
    partition: &str,
    region: &str,
    resource_type: &str,
    resource_id: &str,
) -> Option<(String, &'static str)> {
    let host = match partition {
        "aws" => format!("{region}.console.aws.amazon.com"),
        "aws-cn" => format!("{region}.console.amazonaws.cn"),
        "aws-us-gov" => "console.amazonaws-us-gov.com".to_owned(),
        _ => return None,
    };
    let id_of_form = |first: fn(char) -> bool, rest: fn(char) -> bool| {
        let mut chars = resource_id.chars();
        chars.next().is_some_and(first) && chars.all(rest) && resource_id.len() <= 140
    };
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let hex_id = |prefix: &str| {
        resource_id.strip_prefix(prefix).is_some_and(|hex| {
            (hex.len() == 8 || hex.len() == 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
        })
    };
    let (path, console) = match resource_type {
        "ec2:instance" if hex_id("i-") => (
            format!("ec2/home?region={region}#InstanceDetails:instanceId={resource_id}"),
            "EC2",
        ),
        "ec2:volume" if hex_id("vol-") => (
            format!("ec2/home?region={region}#VolumeDetails:volumeId={resource_id}"),
            "EC2",
        ),
        "rds:db" | "rds:cluster"
            if id_of_form(
                |c| c.is_ascii_alphabetic(),
                |c| c.is_ascii_alphanumeric() || c == '-',
            ) =>
        {
            (
                format!("rds/home?region={region}#database:id={resource_id}"),
                "RDS",
            )
        }
        // `cluster/task-id`: a task ARN of the old form names no cluster, so it gets no link.
        "ecs:task"
            if resource_id.split_once('/').is_some_and(|(cluster, task)| {
                [cluster, task]
                    .iter()
                    .all(|part| !part.is_empty() && part.chars().all(name_char))
                    && resource_id.len() <= 140
            }) =>
        {
            let (cluster, task) = resource_id.split_once('/').unwrap_or_default();
            (
                format!("ecs/v2/clusters/{cluster}/tasks/{task}/configuration?region={region}"),
                "ECS",
            )
        }
        // A group is named by its name; one of ordinary characters only gets a link.
        "autoscaling:autoScalingGroup" if id_of_form(name_char, name_char) => (
            format!("ec2/home?region={region}#AutoScalingGroupDetails:id={resource_id}"),
            "EC2 Auto Scaling",
        ),
        "lambda:function" if id_of_form(name_char, name_char) => (
            format!("lambda/home?region={region}#/functions/{resource_id}"),
            "Lambda",
        ),
        _ => return None,
    };
    Some((format!("https://{host}/{path}"), console))
}

/// `text` cut to `max_chars` characters, the cut marked with an ellipsis.
pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max_chars - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn ago_reads_naturally() {
        let then = Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).unwrap();
        let at = |s: i64| then + chrono::Duration::seconds(s);
        assert_eq!(ago(at(5), then), "just now");
        assert_eq!(ago(at(60), then), "1 minute ago");
        assert_eq!(ago(at(3 * 60 + 59), then), "3 minutes ago");
        assert_eq!(ago(at(2 * 3600), then), "2 hours ago");
        assert_eq!(ago(at(3 * 86400), then), "3 days ago");
        assert_eq!(ago(at(-600), then), "10 minutes from now (clock skew?)");
    }

    #[test]
    fn console_links_follow_the_partition() {
        assert_eq!(
            console_url("aws", "eu-west-1", "i-0abc1234def567890").unwrap(),
            "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#InstanceDetails:instanceId=i-0abc1234def567890"
        );
        assert!(console_url("aws-cn", "cn-north-1", "i-0abc1234")
            .unwrap()
            .contains("console.amazonaws.cn"));
        assert!(console_url("aws-iso", "us-iso-east-1", "i-0abc1234").is_none());
    }

    #[test]
    fn console_links_for_each_kind_and_only_for_ids_of_its_form() {
        let link = |kind, id| resource_console("aws", "eu-west-1", kind, id);
        assert_eq!(
            link("rds:db", "orders-db"),
            Some((
                "https://eu-west-1.console.aws.amazon.com/rds/home?region=eu-west-1#database:id=orders-db"
                    .to_owned(),
                "RDS"
            ))
        );
        assert_eq!(
            link("ec2:volume", "vol-0123456789abcdef0").unwrap().1,
            "EC2"
        );
        assert_eq!(
            link("lambda:function", "resize_images").unwrap().1,
            "Lambda"
        );
        assert_eq!(
            link("ecs:task", "orders-cluster/a1173316d40a45dea9")
                .unwrap()
                .0,
            "https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/orders-cluster/tasks/a1173316d40a45dea9/configuration?region=eu-west-1"
        );
        assert_eq!(
            link("autoscaling:autoScalingGroup", "orders-web")
                .unwrap()
                .1,
            "EC2 Auto Scaling"
        );
        for (kind, id) in [
            ("autoscaling:autoScalingGroup", "orders web#x"),
            ("ecs:task", "a1173316d40a45dea9"),
            ("ecs:task", "orders/../x"),
            ("ecs:task", "orders/"),
            ("ec2:instance", "i-1"),
            ("rds:db", "orders\"><script>"),
            ("rds:db", "1orders"),
            ("lambda:function", "a/../../b"),
            ("ec2:volume", "vol-zz"),
            ("health:entity", "AWS_ACCOUNT"),
            ("s3", "my-bucket"),
        ] {
            assert_eq!(link(kind, id), None, "{kind} {id}");
        }
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}
