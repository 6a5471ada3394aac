//! The API service's running container: each run is a `docker exec` in it.

use std::collections::BTreeMap;

use bollard::Docker;

use super::{Fut, Target};
use crate::docker::{self, DockerError, ExecOutcome, ExecRequest, OutputSink, ServiceContainer};

pub struct ServiceTarget {
    pub docker: Docker,
    pub container: ServiceContainer,
}

impl Target for ServiceTarget {
    fn describe(&self) -> String {
        format!("container {}", self.container.name)
    }

    fn run<'a>(
        &'a self,
        request: ExecRequest,
        sink: &'a mut dyn OutputSink,
    ) -> Fut<'a, Result<ExecOutcome, DockerError>> {
        Box::pin(docker::exec(
            &self.docker,
            &self.container.name,
            request,
            sink,
        ))
    }

    fn env(&self) -> Fut<'_, Result<BTreeMap<String, String>, DockerError>> {
        Box::pin(docker::container_env(&self.docker, &self.container.id))
    }
}
