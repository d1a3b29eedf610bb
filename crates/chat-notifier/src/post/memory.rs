//! The in-memory [`PostToChannel`] (feature `test-util`): it records each post by topic, and can
//! fail the posts to one topic the way SNS does.

use std::collections::BTreeMap;
use std::sync::Mutex;

use ore_lambda::fakes::Fault;
use ore_lambda::RecordError;

use super::PostToChannel;
use crate::notification::CustomNotification;

/// Channels in memory.
#[derive(Debug, Default)]
pub struct MemoryChannels {
    /// (topic ARN, the post as JSON), in order.
    pub posts: Mutex<Vec<(String, serde_json::Value)>>,
    /// Topics whose posts fail this way.
    pub faults: Mutex<BTreeMap<String, Fault>>,
}

impl MemoryChannels {
    /// The posts to `topic_arn`, in order.
    pub fn posts_to(&self, topic_arn: &str) -> Vec<serde_json::Value> {
        let posts = self.posts.lock().expect("lock");
        posts
            .iter()
            .filter(|(t, _)| t == topic_arn)
            .map(|(_, p)| p.clone())
            .collect()
    }
}

impl PostToChannel for MemoryChannels {
    async fn post(
        &self,
        topic_arn: &str,
        notification: &CustomNotification,
    ) -> Result<(), RecordError> {
        if let Some(fault) = self.faults.lock().expect("lock").get(topic_arn) {
            return Err(fault.error("sns:Publish"));
        }
        let json =
            serde_json::to_value(notification).map_err(|e| RecordError::local("serialize", e))?;
        self.posts
            .lock()
            .expect("lock")
            .push((topic_arn.to_owned(), json));
        Ok(())
    }
}
