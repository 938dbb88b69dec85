//! Read routing in `/metrics`: each replica's rotation state, lag and reads, and the reads that
//! went to the primary although replicas are configured.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntGauge, IntGaugeVec, Opts};

use super::Replicas;

pub struct ReplicaCollector {
    replicas: Arc<Replicas>,
    in_rotation: IntGaugeVec,
    lag_ms: IntGaugeVec,
    reads: IntGaugeVec,
    fallback: IntGauge,
    staff: IntGauge,
}

fn opts(name: &str, help: &str) -> Opts {
    Opts::new(name, help).namespace("newsdesk")
}

impl ReplicaCollector {
    pub fn new(replicas: Arc<Replicas>) -> prometheus::Result<Self> {
        Ok(Self {
            replicas,
            in_rotation: IntGaugeVec::new(
                opts("replica_in_rotation", "1 while the replica serves reads"),
                &["replica"],
            )?,
            lag_ms: IntGaugeVec::new(
                opts(
                    "replica_lag_milliseconds",
                    "How far behind the primary the replica was at its last check",
                ),
                &["replica"],
            )?,
            reads: IntGaugeVec::new(
                opts(
                    "replica_reads_total",
                    "Reads served by the replica since start",
                ),
                &["replica"],
            )?,
            fallback: IntGauge::with_opts(opts(
                "replica_fallback_reads_total",
                "Public reads served by the primary because no replica was in rotation or far enough",
            ))?,
            staff: IntGauge::with_opts(opts(
                "replica_staff_reads_total",
                "Reads of staff requests, always served by the primary",
            ))?,
        })
    }
}

impl Collector for ReplicaCollector {
    fn desc(&self) -> Vec<&Desc> {
        let mut out = Vec::new();
        out.extend(self.in_rotation.desc());
        out.extend(self.lag_ms.desc());
        out.extend(self.reads.desc());
        out.extend(self.fallback.desc());
        out.extend(self.staff.desc());
        out
    }

    fn collect(&self) -> Vec<MetricFamily> {
        for s in self.replicas.status() {
            let labels = [s.name.as_str()];
            self.in_rotation
                .with_label_values(&labels)
                .set(i64::from(s.state == "in_rotation"));
            self.lag_ms
                .with_label_values(&labels)
                .set(i64::try_from(s.lag_ms).unwrap_or(i64::MAX));
            self.reads
                .with_label_values(&labels)
                .set(i64::try_from(s.reads).unwrap_or(i64::MAX));
        }
        let stats = &self.replicas.stats;
        let read = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed) as i64;
        self.fallback.set(read(&stats.fallback_reads));
        self.staff.set(read(&stats.staff_reads));
        let mut out = Vec::new();
        out.extend(self.in_rotation.collect());
        out.extend(self.lag_ms.collect());
        out.extend(self.reads.collect());
        out.extend(self.fallback.collect());
        out.extend(self.staff.collect());
        out
    }
}
