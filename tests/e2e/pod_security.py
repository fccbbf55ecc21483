"""The Pod Security Standards ("baseline" and "restricted", Kubernetes v1.30 rules) as a small check over a
rendered Deployment's pod template, so the tests know what an admission policy would say."""

RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
BASELINE_CAPABILITIES = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
                         "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}


def baseline(pod):
    """What the "baseline" profile refuses in a pod spec."""
    found = []
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(key):
            found.append(f"{key} is true")
    for volume in pod.get("volumes", []):
        if "hostPath" in volume:
            found.append(f"volume {volume['name']} is a hostPath")
    for container in pod.get("containers", []) + pod.get("initContainers", []):
        context = container.get("securityContext", {})
        if context.get("privileged"):
            found.append(f"{container['name']} is privileged")
        extra = set(context.get("capabilities", {}).get("add", [])) - BASELINE_CAPABILITIES
        if extra:
            found.append(f"{container['name']} adds {sorted(extra)}")
        if any(port.get("hostPort") for port in container.get("ports", [])):
            found.append(f"{container['name']} uses a hostPort")
        if context.get("procMount", "Default") != "Default":
            found.append(f"{container['name']} changes procMount")
        profile = context.get("seccompProfile", {}).get("type")
        if profile == "Unconfined":
            found.append(f"{container['name']} is seccomp Unconfined")
    if pod.get("securityContext", {}).get("seccompProfile", {}).get("type") == "Unconfined":
        found.append("the pod is seccomp Unconfined")
    return found


def restricted(pod):
    """What the "restricted" profile refuses (it includes baseline)."""
    found = baseline(pod)
    pod_context = pod.get("securityContext", {})
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            found.append(f"volume {volume['name']} is {sorted(kinds)}")
    for container in pod.get("containers", []) + pod.get("initContainers", []):
        context = container.get("securityContext", {})
        name = container["name"]
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name} does not set allowPrivilegeEscalation: false")
        if "ALL" not in context.get("capabilities", {}).get("drop", []):
            found.append(f"{name} does not drop ALL capabilities")
        if set(context.get("capabilities", {}).get("add", [])) - {"NET_BIND_SERVICE"}:
            found.append(f"{name} adds capabilities")
        if not context.get("runAsNonRoot", pod_context.get("runAsNonRoot")):
            found.append(f"{name} may run as root (runAsNonRoot is not true)")
        if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
            found.append(f"{name} runs as UID 0")
        profile = context.get("seccompProfile", pod_context.get("seccompProfile", {})).get("type")
        if profile not in ("RuntimeDefault", "Localhost"):
            found.append(f"{name} has no RuntimeDefault seccomp profile")
    return found


def hardened(container):
    """The container settings the program promises in every mode, beyond the profiles."""
    context = container.get("securityContext", {})
    found = []
    if context.get("readOnlyRootFilesystem") is not True:
        found.append("the root file system is writable")
    if context.get("allowPrivilegeEscalation") is not False:
        found.append("privilege escalation is allowed")
    if context.get("capabilities", {}).get("drop") != ["ALL"]:
        found.append("capabilities are not all dropped")
    return found
