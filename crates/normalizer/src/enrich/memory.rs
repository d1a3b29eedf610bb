//! The enrichment port in memory: EC2's answers from a script, the Tagging API's one answer for
//! every resource, for the service's unit tests.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use ore_lambda::fakes::Fault;
use ore_lambda::RecordError;
use ore_model::resource::{InstanceDetails, Lookup};

use super::{DescribeResources, Descriptions};

/// One answer of [`FakeDescriber`]: what EC2 said (`Some` or `None`), or a fault.
pub type DescribeAnswer = Result<Option<InstanceDetails>, Fault>;

/// What the fake holds: EC2's answer, or a lookup that never reached EC2.
#[derive(Debug, Clone)]
enum Answer {
    Ec2(Option<InstanceDetails>),
    Known(Lookup),
}

/// `DescribeInstances` answering from a script, one answer per call (the last answer repeats);
/// `GetResources` answering the same for every resource (no tags, unless told otherwise).
pub struct FakeDescriber {
    answers: Mutex<VecDeque<Result<Answer, Fault>>>,
    calls: AtomicU32,
    tags: Result<Lookup, Fault>,
    tag_calls: AtomicU32,
}

impl FakeDescriber {
    /// Answers `answers` in order, then the last one forever.
    pub fn scripted(answers: Vec<DescribeAnswer>) -> Self {
        assert!(!answers.is_empty(), "a script needs at least one answer");
        FakeDescriber {
            answers: Mutex::new(answers.into_iter().map(|a| a.map(Answer::Ec2)).collect()),
            calls: AtomicU32::new(0),
            tags: Ok(Lookup::Tagged(BTreeMap::new())),
            tag_calls: AtomicU32::new(0),
        }
    }

    /// The instance's account cannot be asked (no enrichment role there), for `reason`.
    pub fn unavailable(reason: &str) -> Self {
        FakeDescriber {
            answers: Mutex::new(VecDeque::from([Ok(Answer::Known(Lookup::Unavailable(
                reason.to_owned(),
            )))])),
            calls: AtomicU32::new(0),
            tags: Ok(Lookup::Unavailable(reason.to_owned())),
            tag_calls: AtomicU32::new(0),
        }
    }

    /// Every resource the Tagging API is asked about has `tags`.
    pub fn with_tags(mut self, tags: BTreeMap<String, String>) -> Self {
        self.tags = Ok(Lookup::Tagged(tags));
        self
    }

    /// Every `GetResources` call fails with `fault`.
    pub fn with_tags_failing(mut self, fault: Fault) -> Self {
        self.tags = Err(fault);
        self
    }

    /// How many times the service asked the Tagging API (once per batch, account and region).
    pub fn tag_calls(&self) -> u32 {
        self.tag_calls.load(Ordering::SeqCst)
    }

    /// EC2 knows the instance.
    pub fn knows(instance: InstanceDetails) -> Self {
        Self::scripted(vec![Ok(Some(instance))])
    }

    /// EC2 does not know the instance (`InvalidInstanceID.NotFound`).
    pub fn unknown() -> Self {
        Self::scripted(vec![Ok(None)])
    }

    /// Every call fails with `fault`.
    pub fn failing(fault: Fault) -> Self {
        Self::scripted(vec![Err(fault)])
    }

    /// How many times the service asked (once per batch, account and region).
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl DescribeResources for FakeDescriber {
    /// One scripted answer per call, for every instance asked about.
    async fn describe_instances(
        &self,
        _account: &str,
        _region: &str,
        instance_ids: &[&str],
    ) -> Result<Descriptions, RecordError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let answer = {
            let mut answers = self.answers.lock().expect("describer lock");
            if answers.len() > 1 {
                answers.pop_front()
            } else {
                answers.front().cloned()
            }
        };
        let lookup = match answer.expect("a scripted answer") {
            Ok(Answer::Known(lookup)) => lookup,
            Ok(Answer::Ec2(instance)) => instance.into(),
            Err(fault) => return Err(fault.error("ec2:DescribeInstances")),
        };
        Ok(instance_ids
            .iter()
            .map(|id| ((*id).to_owned(), Ok(lookup.clone())))
            .collect())
    }

    /// The one answer for every ARN asked about.
    async fn read_tags(
        &self,
        _account: &str,
        _region: &str,
        arns: &[&str],
    ) -> Result<Descriptions, RecordError> {
        self.tag_calls.fetch_add(1, Ordering::SeqCst);
        let lookup = match &self.tags {
            Ok(lookup) => lookup.clone(),
            Err(fault) => return Err(fault.error("tag:GetResources")),
        };
        Ok(arns
            .iter()
            .map(|arn| ((*arn).to_owned(), Ok(lookup.clone())))
            .collect())
    }
}
