mod docker_exec;
