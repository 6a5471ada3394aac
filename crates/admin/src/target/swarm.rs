//! A one-off run on a Swarm stack: a `replicated-job` service made from the stack service's
//! spec, scheduled by the manager on any node, removed afterwards (see
//! [`crate::docker::run_job`]). It has no stdin: commands that send the working tree's files
//! need `--files image` there.

use std::collections::BTreeMap;

use bollard::Docker;
use bollard::models::ServiceSpec;

use super::{Fut, Target, oneoff::random_suffix};
use crate::docker::{self, DockerError, ExecOutcome, ExecRequest, OutputSink};

pub struct SwarmJobTarget {
    pub docker: Docker,
    /// The stack service's spec.
    pub base: ServiceSpec,
    /// `<stack>_<service>`.
    pub service: String,
}

impl Target for SwarmJobTarget {
    fn describe(&self) -> String {
        format!("a one-off swarm job of service {}", self.service)
    }

    fn run<'a>(
        &'a self,
        request: ExecRequest,
        sink: &'a mut dyn OutputSink,
    ) -> Fut<'a, Result<ExecOutcome, DockerError>> {
        let name = format!("{}_run_{}", self.service, random_suffix());
        Box::pin(
            async move { docker::run_job(&self.docker, &self.base, &name, request, sink).await },
        )
    }

    fn stops_on_interrupt(&self) -> bool {
        true
    }

    fn takes_stdin(&self) -> bool {
        false
    }

    fn env(&self) -> Fut<'_, Result<BTreeMap<String, String>, DockerError>> {
        let env = self
            .base
            .task_template
            .as_ref()
            .and_then(|t| t.container_spec.as_ref())
            .and_then(|c| c.env.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (e, String::new()),
            })
            .collect();
        Box::pin(async move { Ok(env) })
    }
}
