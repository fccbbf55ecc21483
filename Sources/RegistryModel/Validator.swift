/// Checks a configuration against every field rule and cross-field rule of the spec.
public enum Validator {
    /// All problems, errors first, each naming its key path.
    public static func validate(_ config: RegistryConfig) -> [Problem] {
        var problems: [Problem] = []
        let view = config.view
        let mode = view.storageMode
        for field in FieldRegistry.all {
            problems += check(field, in: view, mode: mode)
        }
        problems += unknownKeys(in: config.overrides, under: KeyPath([]))
        problems += crossFieldRules(config, view: view, mode: mode)
        problems += ChartRules.problems(config)
        problems += Mirrors.problems(config)
        return problems.errors + problems.warnings
    }

    /// Problems of one field's value on its own.
    public static func check(_ field: Field, in view: RegistryConfig.View, mode: StorageMode) -> [Problem] {
        let path = field.path
        guard let value = view.value(path) else {
            if !field.isOptional && field.applies(to: mode) { return [.error(.required, path, "is required; for "
                + "example \(field.example)")] }
            return []
        }
        switch field.kind {
        case .yamlMapping:
            return value.entries == nil ? [.error(.wrongType, path, collectionProblem(field.kind, not: value.typeName))]
                : []
        case .yamlList:
            return value.items == nil ? [.error(.wrongType, path, collectionProblem(field.kind, not: value.typeName))]
                : []
        case .yamlMappingOrList:
            return value.scalar != nil
                ? [.error(.wrongType, path, collectionProblem(field.kind, not: value.typeName))] : []
        default:
            break
        }
        guard let scalar = value.scalar else {
            return [.error(.wrongType, path, "must be \(expectation(field.kind)), not \(value.typeName)")]
        }
        var problems: [Problem] = []
        if let message = scalarProblem(scalar, kind: field.kind) {
            problems.append(.error(.badValue, path, message))
        } else if let (code, severity, message) = field.advice?(scalar) {
            problems.append(Problem(severity, code, .key(path), message))
        }
        if case .integer = field.kind, scalar.kind == .string, problems.isEmpty {
            problems.append(.warning(.quotedNumber, path, "is the string \(Quote.value(scalar.text)); write it without "
                + "quotes"))
        }
        return problems
    }

    /// What a kind accepts, as a phrase.
    public static func expectation(_ kind: FieldKind) -> String {
        switch kind {
        case .toggle: return "true or false"
        case .text(let format):
            switch format {
            case .subdomain: return "a DNS-1123 subdomain (lower-case letters, digits, '-' and '.')"
            case .dns1035: return "a DNS-1035 label (a lower-case letter, then letters, digits and '-')"
            case .labelValue: return "a label value"
            case .imageRepository: return "an image repository"
            case .imageTag: return "an image tag"
            case .absolutePath, .httpPath: return "an absolute path"
            case .host: return "a host name or IP address"
            case .free: return "text"
            case .registryURL: return "a registry's root URL, such as https://registry-1.docker.io"
            case .duration: return "a Go duration such as 168h, 1h30m or 0"
            case .clusterIP: return "an IPv4 address of the cluster's Service range"
            case .digest: return "an image digest (sha256:<64 hex digits>)"
            case .bucketName: return "an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)"
            case .endpointURL: return "an endpoint URL such as https://minio.storage.svc:9000"
            case .region: return "a region such as eu-west-1"
            }
        case .quantity: return "a quantity such as 20Gi, 500m or 1"
        case .integer(let min, let max): return "an integer from \(min) to \(max)"
        case .choice(let options): return "one of " + options.joined(separator: ", ")
        case .yamlMapping: return "a mapping"
        case .yamlList: return "a list"
        case .yamlMappingOrList: return "a mapping or a list"
        }
    }

    /// Why a scalar does not fit a kind, or nil.
    public static func scalarProblem(_ scalar: Scalar, kind: FieldKind) -> String? {
        switch kind {
        case .toggle:
            if scalar.kind == .bool { return nil }
            if scalar.kind == .string, Scalar.resolveKind(ofPlain: scalar.text) == .bool {
                return "must be true or false, not the string \(Quote.value(scalar.text)) (Helm treats any non-empty "
                    + "string as true); remove the quotes"
            }
            return "must be true or false, not \(describe(scalar))"
        case .integer(let min, let max):
            if scalar.kind != .string, let problem = helmNumberProblem(scalar.text) { return problem }
            let number = scalar.intValue ?? (scalar.kind == .string ? Int(scalar.text) : nil)
            guard let number else {
                if scalar.kind == .int { return "is too large: must be an integer from \(min) to \(max)" }
                if scalar.kind == .float || scalar.kind == .string && Double(scalar.text) != nil {
                    return "must be an integer from \(min) to \(max); \(Quote.bare(scalar.text)) is not a whole number"
                }
                return "must be an integer from \(min) to \(max), not \(describe(scalar))"
            }
            return (min...max).contains(number) ? nil : "must be an integer from \(min) to \(max), not \(number)"
        case .choice(let options):
            if options.contains(scalar.text) { return nil }
            let hint = options.first { $0.lowercased() == scalar.text.lowercased() }.map { "; did you mean "
                + "\($0)?" } ?? ""
            return "must be one of \(options.joined(separator: ", ")), not \(describe(scalar))\(hint)"
        case .quantity(let use):
            return quantityProblem(scalar, use: use)
        case .text(let format):
            if scalar.kind == .bool { return "must be \(expectation(kind)), not \(describe(scalar))" }
            return textProblem(scalar.text, format: format)
        case .yamlMapping, .yamlList, .yamlMappingOrList:
            return collectionProblem(kind, not: describe(scalar))
        }
    }

    /// A number Helm's YAML reader takes differently from how it looks: a leading zero (`080` is text, `010`
    /// octal 8) or a plus sign (`+443`). The fix is the plain number.
    static func helmNumberProblem(_ text: String) -> String? {
        var digits = Substring(text)
        let plus = digits.first == "+"
        if plus { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let leadingZero = digits.count > 1 && digits.first == "0"
        guard plus || leadingZero, let number = Int(digits) else { return nil }
        let why = leadingZero ? "Helm's YAML reader takes a leading zero as octal or as text" : "YAML readers differ "
            + "on a plus sign"
        return "\(Quote.bare(text)) is not read as \(number) (\(why)); write \(number)"
    }

    /// A list or mapping given as something else, with the way to set one from the command line as Helm does.
    static func collectionProblem(_ kind: FieldKind, not given: String) -> String {
        let isList: Bool
        if case .yamlList = kind { isList = true } else { isList = false }
        let how = isList
            ? "set an item as helm --set does (KEY[0].name=value, KEY={a,b}) or the list as JSON (--set-json "
                + "'KEY=[...]')"
            : "set its keys as helm --set does (KEY.name=value) or the whole as JSON (--set-json 'KEY={...}')"
        return "must be \(expectation(kind)), not \(given); \(how)"
    }

    static func describe(_ scalar: Scalar) -> String {
        scalar.kind == .string ? "the string \(Quote.value(scalar.text))" : "\(scalar.kind) "
            + "(\(Quote.bare(scalar.text)))"
    }

    static func quantityProblem(_ scalar: Scalar, use: QuantityUse) -> String? {
        guard scalar.kind != .bool else { return "must be a quantity such as 20Gi, not \(describe(scalar))" }
        let quantity: Quantity
        do { quantity = try Quantity(parsing: scalar.text) } catch {
            if let suggestion = quantitySuggestion(scalar.text) { return "\(Quote.value(scalar.text)) \(error); did "
                + "you mean \(suggestion)?" }
            return "\(Quote.value(scalar.text)) \(error); use a number with an optional suffix (Ki Mi Gi Ti Pi Ei, m k "
                + "M G T P E, or e3), such as \(use == .cpu ? "500m" : "20Gi")"
        }
        if quantity.isNegative { return "must not be negative (\(Quote.bare(scalar.text)))" }
        switch use {
        case .storage:
            if quantity.isZero { return "must be greater than 0, such as 20Gi" }
            if quantity.hasFraction { return fractionProblem(scalar.text) }
            if quantity < Quantity(nanos: 1_048_576 * 1_000_000_000, format: .binarySI) {
                return "\(Quote.bare(scalar.text)) is below 1Mi; a registry needs room for images, such as 20Gi"
            }
        case .memory:
            if quantity.hasFraction { return fractionProblem(scalar.text) }
        case .cpu:
            if quantity.format == .binarySI {
                return "\(Quote.bare(scalar.text)) is a size in bytes (Ki Mi Gi are binary units); CPU is counted in "
                    + "cores or millicores, such as 1, 0.5 or 500m"
            }
        }
        return nil
    }

    /// A byte count with a fraction: `100m` is a tenth of a byte, most likely meant as `100Mi`.
    static func fractionProblem(_ text: String) -> String {
        let hint = text.hasSuffix("m") && text.dropLast().allSatisfy({ $0.isASCII && $0.isNumber })
            ? "did you mean \(text.dropLast())Mi?" : "use whole bytes, such as 20Gi"
        return "\(Quote.bare(text)) is a fraction of a byte; \(hint)"
    }

    /// The quantities a person most likely meant by an unknown suffix: `20GB` → `20G` or `20Gi`.
    static func quantitySuggestion(_ text: String) -> String? {
        let number = text.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let suffix = text.dropFirst(number.count)
        guard !number.isEmpty, Double(number) != nil else { return nil }
        let units: [String: (String, String)] = [
            "kb": ("k", "Ki"), "mb": ("M", "Mi"), "gb": ("G", "Gi"), "tb": ("T", "Ti"), "pb": ("P", "Pi"),
            "eb": ("E", "Ei"), "kib": ("Ki", "Ki"), "mib": ("Mi", "Mi"), "gib": ("Gi", "Gi"), "tib": ("Ti", "Ti"),
            "g": ("G", "Gi"), "t": ("T", "Ti"), "gi": ("Gi", "Gi"), "mi": ("Mi", "Mi"), "ki": ("Ki", "Ki"),
        ]
        guard let (decimal, binary) = units[suffix.lowercased()] else { return nil }
        return decimal == binary ? "\(number)\(binary)" : "\(number)\(decimal) or \(number)\(binary)"
    }

    static func textProblem(_ text: String, format: TextFormat) -> String? {
        switch format {
        case .subdomain: return Names.dns1123SubdomainProblem(text)
        case .dns1035: return Names.dns1035LabelProblem(text)
        case .labelValue: return Names.labelValueProblem(text, allowEmpty: false)
        case .imageRepository: return Names.imageRepositoryProblem(text)
        case .imageTag: return Names.imageTagProblem(text)
        case .absolutePath:
            if !text.hasPrefix("/") { return "must be an absolute path starting with /, such as /var/lib/registry" }
            if text.unicodeScalars.contains(where: {
                $0.properties.isWhitespace && $0 != " " || $0.value < 0x20 || $0.value == 0x7F
            }) {
                return "must not contain a line break, tab or other control character"
            }
            if text.first == " " || text.last == " " || text.contains("/ ") || text.contains(" /") {
                return "must not have spaces around its parts; remove them"
            }
            let parts = text.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            if parts.contains("..") { return "must not contain '..'" }
            if normalisedPath(text) == "/" { return "must not be / itself" }
            if parts.contains(".") || parts.dropLast().contains("") {
                return "must be written plainly, as \(normalisedPath(text)) (no '.' parts or doubled slashes)"
            }
            return nil
        case .httpPath:
            return text.hasPrefix("/") ? nil : "must start with /, such as /v2/"
        case .host:
            return text.isEmpty ? "must not be empty" : nil
        case .free:
            return nil
        case .registryURL:
            return registryURLProblem(text)
        case .duration:
            return durationProblem(text)
        case .digest:
            let hex = text.dropFirst("sha256:".count)
            return text.hasPrefix("sha256:") && hex.count == 64 && hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase })
                ? nil
                : "must be sha256: and 64 lower-case hex digits, as docker buildx imagetools inspect prints it"
        case .bucketName:
            return Names.bucketNameProblem(text)
        case .endpointURL:
            return endpointURLProblem(text)
        case .region:
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            let plain = parts.count >= 3 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII
                && ($0.isLowercase || $0.isNumber) } } && parts.last!.allSatisfy(\.isNumber)
            return plain ? nil : "must be a region name such as eu-west-1 (lower case, ending in a number)"
        case .clusterIP:
            if text == "None" {
                return "None makes a headless Service, which has no address nodes can reach; give a free address of "
                    + "the cluster's Service range"
            }
            return Names.ipv4Problem(text)
        }
    }

    /// Why a text is not a registry's root URL (scheme and host, an optional port, no path), or nil.
    static func registryURLProblem(_ text: String) -> String? {
        let scheme = text.hasPrefix("https://") ? "https://" : text.hasPrefix("http://") ? "http://" : nil
        guard let scheme else { return "must start with https://, such as https://registry-1.docker.io" }
        let rest = text.dropFirst(scheme.count)
        let host = rest.prefix { $0 != "/" }
        if host.isEmpty || host.contains("@") || host.contains(" ") { return "must name the upstream host, such as "
            + "https://registry-1.docker.io" }
        let path = rest.dropFirst(host.count)
        if !path.isEmpty && path != "/" {
            return "must be the upstream's root, without a path (\(Quote.value(String(path)))); the cache mirrors the "
                + "whole registry"
        }
        return nil
    }

    /// Why a text is not an object store's endpoint (`http(s)://host[:port]`, no path), or nil.
    static func endpointURLProblem(_ text: String) -> String? {
        let scheme = text.hasPrefix("https://") ? "https://" : text.hasPrefix("http://") ? "http://" : nil
        guard let scheme else { return "must start with https:// or http://, such as https://minio.storage.svc:9000" }
        let rest = text.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" }
        if authority.isEmpty || authority.contains("@") || authority.contains(" ") {
            return "must name the endpoint's host, such as https://minio.storage.svc:9000"
        }
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let port = authority[authority.index(after: colon)...]
            guard let number = Int(port), (1...65535).contains(number) else {
                return "has the port \(Quote.value(String(port))); a port is a number from 1 to 65535"
            }
        }
        let path = rest.dropFirst(authority.count)
        if !path.isEmpty && path != "/" {
            return "must be the endpoint's root, without a path (\(Quote.value(String(path)))): the bucket is "
                + "storage.s3.bucket"
        }
        return nil
    }

    /// Why a text is not a Go duration (`time.ParseDuration`), or nil.
    static func durationProblem(_ text: String) -> String? {
        if text == "0" { return nil }
        var rest = Substring(text)
        if rest.first == "+" || rest.first == "-" { return "must not have a sign; use a duration such as 168h" }
        guard !rest.isEmpty else { return "must not be empty; use a duration such as 168h" }
        let units = ["ns", "us", "µs", "ms", "s", "m", "h"]
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, Double(number) != nil else { return "must be a Go duration such as 168h, 1h30m or "
                + "0" }
            rest = rest.dropFirst(number.count)
            guard let unit = units.sorted(by: { $0.count > $1.count }).first(where: { rest.hasPrefix($0) }) else {
                return "needs a unit (ns, us, ms, s, m or h), such as 168h"
            }
            rest = rest.dropFirst(unit.count)
        }
        return nil
    }

    /// The node address's rules: a node port needs a NodePort Service; a fixed ClusterIP should not be one that
    /// a default cluster gives to its own Services.
    static func nodeAddressRules(_ view: RegistryConfig.View) -> [Problem] {
        var problems: [Problem] = []
        if view.int(.serviceNodePort) != nil, view.string(.serviceType) != "NodePort" {
            problems.append(.error(.nodePortNeedsType, .serviceNodePort, "is set, but service.type is "
                + "\(view.text(.serviceType)); a node port needs service.type NodePort (or remove it and give "
                + "service.clusterIP)"))
        }
        if let clusterIP = view.string(.serviceClusterIP), Names.ipv4Problem(clusterIP) == nil {
            let last = clusterIP.split(separator: ".").last.map(String.init)
            if last == "1" || last == "10" {
                let owner = last == "1" ? "the kubernetes API Service" : "cluster DNS (kube-dns)"
                problems.append(.warning(.clusterIPTaken, .serviceClusterIP, "\(clusterIP) is the address \(owner) "
                    + "gets in a default "
                    + "cluster, so Kubernetes may refuse it as taken; pick a free one (kubectl "
                    + "get svc -A shows those in use)"))
            }
        }
        return problems
    }

    /// The pull-through cache's rules, when it is on.
    static func proxyRules(_ config: RegistryConfig, view: RegistryConfig.View) -> [Problem] {
        var problems: [Problem] = []
        for (path, message) in FieldRegistry.forbiddenKeys.sorted(by: { $0.key < $1.key })
        where config.overrides.value(at: path).map({ !$0.isNull }) == true {
            problems.append(.error(.forbiddenKey, path, message))
        }
        guard view.bool(.proxyEnabled) == true else { return problems }
        if let url = view.string(.proxyRemoteURL), url.hasPrefix("http://") {
            problems.append(.warning(.plainUpstream, .proxyRemoteURL, "is plain HTTP: images and credentials travel "
                + "unencrypted and can be altered; use https://"))
        }
        let hasUser = view.string(.proxyUsername).map { !$0.isEmpty } ?? false
        let hasSecret = view.string(.proxyPasswordSecretName) != nil
        if hasUser && !hasSecret {
            problems.append(.error(.upstreamCredentials, .proxyPasswordSecretName, "is needed with proxy.username: the "
                + "Secret that holds the upstream password"))
        } else if hasSecret && !hasUser {
            problems.append(.error(.upstreamCredentials, .proxyUsername, "is needed with proxy.passwordSecret: the "
                + "upstream user that password belongs to"))
        }
        if view.string(.proxyTTL) != nil {
            let tag = view.text(.deploymentImageTag)
            if tag == "2" || tag.hasPrefix("2.") {
                problems.append(.warning(.ttlIgnored, .proxyTTL, "is ignored by registry \(tag): 2.x keeps cached "
                    + "content 7 days; use image tag 3 to honour it"))
            }
        }
        return problems
    }

    /// Unknown keys with the nearest known one.
    static func unknownKeys(in value: Value, under path: KeyPath) -> [Problem] {
        guard let entries = value.entries else { return [] }
        var problems: [Problem] = []
        for entry in entries {
            let child = path.appending(entry.key)
            if FieldRegistry.field(child) != nil { continue }
            if FieldRegistry.containers.contains(child) {
                if entry.value.entries != nil {
                    problems += unknownKeys(in: entry.value, under: child)
                } else if !entry.value.isNull {
                    problems.append(.error(.wrongType, child, "must be a mapping, not \(entry.value.typeName)"))
                }
                continue
            }
            if FieldRegistry.isKnown(child) || FieldRegistry.forbiddenKeys[child] != nil { continue }
            problems.append(.warning(.unknownKey, child, FieldRegistry.unknownKeyMessage(child)))
        }
        return problems
    }

    static func crossFieldRules(_ config: RegistryConfig, view: RegistryConfig.View, mode: StorageMode) -> [Problem] {
        var problems: [Problem] = []
        if let problem = Names.dns1123LabelProblem(config.namespace) {
            problems.append(Problem(.error, .badNamespace, .setting(.namespace), problem))
        }
        if config.release.count > 53 { problems.append(Problem(.error, .badRelease, .setting(.release), "must be at "
            + "most 53 characters")) }
        else if let problem = Names.dns1123SubdomainProblem(config.release) {
            problems.append(Problem(.error, .badRelease, .setting(.release), problem))
        }

        problems += storageRules(config, view: view, mode: mode)
        problems += proxyRules(config, view: view)

        for resource in ["cpu", "memory"] {
            let requestPath = KeyPath(stringLiteral: "deployment.resources.requests.\(resource)")
            let limitPath = KeyPath(stringLiteral: "deployment.resources.limits.\(resource)")
            if let request = view.quantity(requestPath), let limit = view.quantity(limitPath), request > limit {
                problems.append(.error(.requestAboveLimit, requestPath, "\(resource) request \(request) is above the "
                    + "limit \(limit); lower it or raise \(limitPath)"))
            }
        }

        let replicas = view.int(.deploymentReplicas) ?? 1
        if replicas > 1 && !view.isShared {
            let fix = mode.sharingFix
            problems.append(.error(.replicasNeedSharedStorage, .deploymentReplicas, "\(replicas) replicas need "
                + "ReadWriteMany storage; this \(mode.rawValue) volume is ReadWriteOnce, so use 1 replica or \(fix)"))
        }
        if let type = view.string(.serviceType), type != "ClusterIP" {
            // A pull-through cache takes no pushes: what it exposes is what it pulls, with its upstream account.
            let account = view.string(.proxyPasswordSecretName) == nil ? ""
                : ", the upstream account's private images too"
            let exposed = view.bool(.proxyEnabled) == true
                ? "an unauthenticated cache: anyone who reaches it pulls through it" + account
                : "an unauthenticated registry with delete enabled: anyone who reaches it can push and delete images"
            problems.append(.warning(.exposedService, .serviceType, "\(type) exposes \(exposed); keep ClusterIP or put "
                + "authentication in front"))
        }
        problems += nodeAddressRules(view)
        problems += ProductionRules.problems(config, view: view)
        problems += envRules(view.value(.deploymentEnv))
        for entry in view.value(.deploymentNodeSelector)?.entries ?? [] {
            let path = KeyPath(["deployment", "nodeSelector", entry.key])
            if let problem = Names.labelKeyProblem(entry.key) {
                problems.append(.error(.nodeSelector, path, "label key \(problem)"))
            }
            else if entry.value.entries != nil || entry.value.items != nil {
                let nested = entry.value.entries?.first.map { entry.key + "\\." + $0.key } ?? entry.key
                problems.append(.error(.nodeSelector, path, "is \(entry.value.typeName), but a node selector maps "
                    + "label keys to strings; a key with dots "
                    + "was probably split (write deployment.nodeSelector.\(nested)=VALUE with \\. "
                    + "in set and --set)"))
            } else if let kind = entry.value.scalar?.kind, kind != .string, kind != .null {
                problems.append(.error(.nodeSelector, path, "is \(kind.description), but label values are strings: "
                    + "quote it, as \"\(entry.value.scalar?.text ?? "")\""))
            }
            else if let text = entry.value.scalar?.text, entry.value.scalar?.kind != .null,
                let problem = Names.labelValueProblem(text)
            {
                problems.append(.error(.nodeSelector, path, "label value \(problem)"))
            }
        }

        for probe in Probe.allCases {
            guard view.bool(probe.enabled) ?? true else { continue }
            if let timeout = view.int(probe.timeout), let period = view.int(probe.period), timeout >= period {
                problems.append(.error(.probeTiming, probe.timeout, "timeout \(timeout)s must be below the period "
                    + "\(period)s"))
            }
            if let port = view.int(probe.port), port != view.targetPort {
                problems.append(.warning(.probePort, probe.port, "is \(port) but the registry listens on "
                    + "service.targetPort \(view.targetPort); the probe is rendered on \(view.targetPort)"))
            }
            if let scheme = view.string(probe.scheme), scheme == "HTTP" {
                problems.append(.error(.probeScheme, probe.scheme, "must be HTTPS: the registry serves TLS, so an HTTP "
                    + "probe always fails"))
            }
        }

        if let address = config.external.toolManagerRegistryAddress, address != config.registryAddress {
            problems.append(
                Problem(
                    .warning, .toolManagerAddress, .valuesKey("toolManager.env.KUBIYA_IMAGE_REGISTRY_ADDRESS"),
                                    "is \(Quote.value(address)) but the registry is reached at "
                                        + "\"\(config.registryAddress)\"; set it to \(config.registryAddress)"))
        }
        if config.external.hasRegistryTLS, let secret = view.string(.deploymentTlsSecretName),
            secret != "registry-tls-secret"
        {
            problems.append(.warning(.tlsSecretName, .deploymentTlsSecretName, "is \(Quote.value(secret)) but the "
                + "chart creates registryTls as the secret registry-tls-secret; the registry will not find it"))
        }
        return problems
    }

    /// Folders of the node's system (or of the kubelet and container runtimes) a hostPath must never be.
    static let systemFolders = [
        "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/boot", "/dev", "/proc",
        "/sys", "/run", "/var/run", "/var/lib/kubelet", "/var/lib/containerd", "/var/lib/docker",
    ]

    /// Folders shared by the whole node, which a registry must not take over (their own subfolders are fine).
    static let sharedFolders: Set<String> = [
        "/tmp", "/var/tmp", "/home", "/root", "/mnt", "/media", "/opt", "/srv", "/var/lib",
                                             "/var", "/usr/local"]

    /// The system folder a path is or lies in, if any.
    public static func systemFolder(_ path: String) -> String? {
        let clean = normalisedPath(path)
        return systemFolders.first { clean == $0 || clean.hasPrefix($0 + "/") }
    }

    /// `/var/./lib//kubelet/` → `/var/lib/kubelet`: what the node's file system makes of an absolute path.
    public static func normalisedPath(_ path: String) -> String {
        "/" + path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    /// Why a host folder may not hold the registry's data: a system folder, a parent of one, or a folder the whole
    /// node shares. Nil when it may (and only then does any screen print a `chown -R` for it).
    public static func hostPathProblem(_ path: String) -> String? {
        let clean = normalisedPath(path)
        if let system = systemFolder(clean) {
            return "\(Quote.bare(path)) is \(system == clean ? "" : "inside ")the node's system folder \(system); the "
                + "registry would write into the node's own files. Use a folder of its own, such as /var/lib/registry"
        }
        if let child = systemFolders.first(where: { $0.hasPrefix(clean + "/") }) {
            return "\(Quote.bare(path)) holds the node's system folder \(child); the registry would reach "
                + "into the node's own files. Use a folder of its own, such as /var/lib/registry"
        }
        if sharedFolders.contains(clean) {
            return "\(Quote.bare(path)) is a folder the whole node shares; give the registry a folder of its own "
                + "inside it, such as "
                + "\(clean == "/var" || clean == "/var/lib" ? "/var/lib/registry" : clean + "/registry")"
        }
        return nil
    }

    /// The command that makes a hostPath or NFS folder writable for the registry's non-root UID.
    public static func chownHint(_ view: RegistryConfig.View) -> String {
        let path = view.text(.pvHostPath)
        let safe = textProblem(path, format: .absolutePath) == nil && hostPathProblem(path) == nil
        return view.storageMode.chownHint(view, pathIsSafe: safe) ?? "fsGroup makes the volume writable"
    }

    static func storageRules(_ config: RegistryConfig, view: RegistryConfig.View, mode: StorageMode) -> [Problem] {
        var problems: [Problem] = []
        let sources = view.value(.pvVolumeSource)?.entries?.filter { !$0.value.isNull } ?? []
        let hasHostPath = view.string(.pvHostPath) != nil
        if let volumeSource = view.value(.pvVolumeSource), volumeSource.entries == nil {
            problems.append(.error(.volumeSource, .pvVolumeSource, "must be a mapping with one volume source, such as "
                + "nfs: {server, path}"))
        }
        if sources.count + (hasHostPath ? 1 : 0) > 1 {
            let names = (hasHostPath ? ["hostPath"] : []) + sources.map(\.key)
            problems.append(.error(.volumeSource, .pvVolumeSource, "has two storage sources at once "
                + "(\(names.joined(separator: " and "))); keep "
                + "one\(hasHostPath ? " and set pv.hostPath to null" : "")"))
        }
        problems += mode.rules(view)
        if mode.hasStaticVolume {
            if let pvSize = view.quantity(.pvSize), let pvcSize = view.quantity(.pvcSize), pvcSize > pvSize {
                problems.append(.error(.claimLarger, .pvcSize, "\(pvcSize) is larger than pv.size \(pvSize); the claim "
                    + "cannot bind to a smaller volume"))
            }
            if let pvClass = view.string(.pvStorageClass), let pvcClass = view.string(.pvcStorageClass),
                pvClass != pvcClass
            {
                problems.append(.error(.classMismatch, .pvcStorageClass, "is \(Quote.value(pvcClass)) but "
                    + "pv.storageClass is \(Quote.value(pvClass)); they must match for the claim to bind"))
            }
            if let volumeName = view.string(.pvcVolumeName), let pvName = view.string(.pvName), volumeName != pvName {
                problems.append(.error(.volumeNameMismatch, .pvcVolumeName, "is \(Quote.value(volumeName)) but the PV "
                    + "is named \(Quote.value(pvName)); it must be the PV name"))
            }
        } else if mode.hasClaim, let pvClass = view.string(.pvStorageClass),
            let pvcClass = view.string(.pvcStorageClass), pvClass != pvcClass
        {
            problems.append(.error(.classMismatch, .pvcStorageClass, "is \(Quote.value(pvcClass)) but pv.storageClass "
                + "is \(Quote.value(pvClass)); they must match"))
        }
        return problems
    }

    /// The names an env value sets: keys of a map, or `name` of each list item.
    public static func envVariableNames(_ env: Value?) -> [String] {
        if let entries = env?.entries { return entries.map(\.key) }
        return env?.items?.compactMap { $0["name"]?.scalar?.text } ?? []
    }

    static func envRules(_ env: Value?) -> [Problem] {
        var problems: [Problem] = []
        if let items = env?.items {
            for (index, item) in items.enumerated() where item["name"]?.scalar == nil {
                problems.append(.error(.envName, .deploymentEnv, "item \(index + 1) has no name"))
            }
        }
        let plainSecret = env?.entries.map { $0.contains { $0.key == "REGISTRY_HTTP_SECRET" } }
            ?? env?.items?.contains { $0["name"]?.scalar?.text == "REGISTRY_HTTP_SECRET" && $0["valueFrom"] == nil }
            ?? false
        if plainSecret {
            problems.append(.warning(
                .plainHTTPSecret, KeyPath(["deployment", "env", "REGISTRY_HTTP_SECRET"]),
                "is a plain value, so it lands in the Deployment and in git; remove it (with replicas > 1 the program "
                    + "generates it into a Secret) or read it with valueFrom.secretKeyRef"))
        }
        for name in envVariableNames(env) {
            if let problem = Names.envNameProblem(name) {
                problems.append(.error(.envName, KeyPath(["deployment", "env", name]), problem))
            } else if name == "REGISTRY_HTTP_ADDR" || name.hasPrefix("REGISTRY_HTTP_TLS_") {
                problems.append(.warning(.envOverridesRenderer, KeyPath(["deployment", "env", name]), "overrides a "
                    + "setting the renderer makes from service.targetPort and the TLS secret"))
            }
        }
        return problems
    }
}
