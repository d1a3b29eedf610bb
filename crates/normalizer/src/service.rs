//! One record through the normalizer: unwrap, parse, enrich, decide, publish.

use chrono::{SubsecRound, Utc};
use ore_model::batch::RecordHandler;
use ore_model::ec2::Ec2StateChange;
use ore_model::sns::Publish;
use ore_model::RecordError;

use crate::{decide, Decision, DescribeInstance, IgnoreRule};

pub struct Normalizer<D, P> {
    describer: D,
    publisher: P,
    ignore: IgnoreRule,
}

impl<D: DescribeInstance, P: Publish> Normalizer<D, P> {
    pub fn new(describer: D, publisher: P, ignore: IgnoreRule) -> Self {
        Normalizer {
            describer,
            publisher,
            ignore,
        }
    }
}

impl<D: DescribeInstance + Sync, P: Publish + Sync> RecordHandler for Normalizer<D, P> {
    async fn handle_record(&self, body: &str) -> Result<(), RecordError> {
        let change = Ec2StateChange::from_sqs_body(body)?;
        let instance = self
            .describer
            .describe(&change.region, &change.instance_id)
            .await?;
        if instance.is_none() {
            tracing::warn!(
                instance_id = %change.instance_id,
                region = %change.region,
                "instance not found in EC2; publishing without enrichment"
            );
        }
        let processed_at = Utc::now().trunc_subsecs(3);
        match decide(&change, instance, &self.ignore, processed_at) {
            Decision::Ignore { tag_key, tag_value } => {
                tracing::info!(
                    instance_id = %change.instance_id,
                    state = %change.state,
                    tag_key,
                    tag_value,
                    "instance is tagged to be ignored; nothing published"
                );
                Ok(())
            }
            Decision::Publish(message) => {
                let body = serde_json::to_string(&message).map_err(|e| RecordError::Rejected {
                    operation: "serialize standard message",
                    detail: e.to_string(),
                })?;
                self.publisher
                    .publish(body, &message.routing_attributes())
                    .await?;
                tracing::info!(
                    message_id = %message.id,
                    instance_id = %change.instance_id,
                    state = %change.state,
                    enrichment = ?message.data.enrichment,
                    "standard message published"
                );
                Ok(())
            }
        }
    }
}
