//! One record through the csv-formatter: decode the standard message, write it, publish it.
//! A heartbeat is recorded (log line, metric) and produces no CSV record.

use ore_lambda::batch::{Consumer, Outcome};
use ore_lambda::ports::Publish;
use ore_lambda::RecordError;
use ore_model::notice::NoticeMessage;
use ore_model::standard::StandardMessage;
use tokio::time::Instant;

use crate::record::{csv_header, csv_record, notice_record, CSV_SCHEMA_VERSION};

/// MIME type of each published record: one CSV line, no header (the header is an attribute).
pub const CONTENT_TYPE: &str = "text/csv; charset=utf-8; header=absent";

/// The csv-formatter's record handler.
pub struct CsvFormatter<P> {
    publisher: P,
    header: String,
}

impl<P: Publish> CsvFormatter<P> {
    /// A formatter publishing through `publisher`.
    pub fn new(publisher: P) -> Self {
        CsvFormatter {
            publisher,
            header: csv_header().trim_end().to_owned(),
        }
    }

    /// The publishing port (tests inspect their fakes through it).
    pub fn publisher(&self) -> &P {
        &self.publisher
    }

    /// One record with the message's routing attributes and the CSV ones.
    async fn publish(&self, record: String, routing: [(&str, &str); 4]) -> Result<(), RecordError> {
        let [first, resource_type, account, region] = routing;
        let attributes = [
            first,
            resource_type,
            account,
            region,
            ("content_type", CONTENT_TYPE),
            ("csv_schema_version", CSV_SCHEMA_VERSION),
            ("csv_header", self.header.as_str()),
        ];
        self.publisher.publish(record, &attributes).await
    }
}

impl<P: Publish + Sync> Consumer for CsvFormatter<P> {
    async fn deliver(
        &self,
        message: StandardMessage,
        _deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        let record = csv_record(&message)?;
        self.publish(record, message.routing_attributes()).await?;
        let state = message.data.state.as_str();
        tracing::info!(
            message_id = %message.id,
            resource_id = %message.data.resource.resource_id,
            state,
            "CSV record published"
        );
        Ok(Outcome::Delivered { state })
    }

    async fn deliver_notice(
        &self,
        message: NoticeMessage,
        _deadline: Instant,
    ) -> Result<Outcome, RecordError> {
        let record = notice_record(&message)?;
        self.publish(record, message.routing_attributes()).await?;
        let kind = message.kind().as_str();
        tracing::info!(
            message_id = %message.id,
            resource_id = %message.data.resource.resource_id,
            kind,
            "CSV record published"
        );
        Ok(Outcome::Delivered { state: kind })
    }
}
