# Compose policies for checkov's yaml framework (checkov ships none for Compose), loaded with
# --external-checks-dir by scripts/container-scan/checkov.sh. One check per service setting that
# hands a container the host: privileged mode, the host's network, PID or IPC namespace, the
# Docker socket (or the /var/run holding it), or added capabilities. A Compose file is one entity
# for checkov, so an inline skip would silence every service of the file: the accepted exceptions
# are named here instead, with their reason (also listed in the README's Security section).
from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.yaml_doc.base_yaml_check import BaseYamlCheck
from checkov.yaml_doc.enums import BlockType


# service name -> why it may have host access.
ACCEPTED = {
    "cadvisor": "cAdvisor reads every container's cgroups, /dev/kmsg and the Docker state: that is its job",
}
SOCKET_SOURCES = {"/var/run/docker.sock", "/run/docker.sock", "/var/run", "/run"}


def host_access(service: dict[str, Any]) -> list[str]:
    found = []
    if service.get("privileged") is True:
        found.append("privileged")
    for key in ("network_mode", "pid", "ipc"):
        if service.get(key) == "host":
            found.append(f"{key}: host")
    for volume in service.get("volumes") or []:
        source = volume.get("source") if isinstance(volume, dict) else str(volume).split(":")[0]
        if str(source).rstrip("/") in SOCKET_SOURCES:
            found.append("the Docker socket mounted")
    if service.get("cap_add"):
        found.append("cap_add")
    return found


class ComposeServiceHostAccess(BaseYamlCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Compose services get no host access (privileged, host namespaces, Docker socket, cap_add)",
            id="CKV_ECOM_COMPOSE_1",
            categories=(CheckCategories.GENERAL_SECURITY,),
            supported_entities=("services",),
            block_type=BlockType.OBJECT,
        )

    def scan_entity_conf(self, conf: dict[str, Any], entity_type: str) -> tuple[CheckResult, dict[str, Any]]:
        if not isinstance(conf, dict):
            return CheckResult.UNKNOWN, conf
        found = [
            f"{name}: {', '.join(host_access(service))}"
            for name, service in conf.items()
            if isinstance(service, dict) and name not in ACCEPTED and host_access(service)
        ]
        self.details = found
        return (CheckResult.FAILED if found else CheckResult.PASSED), conf


check = ComposeServiceHostAccess()
