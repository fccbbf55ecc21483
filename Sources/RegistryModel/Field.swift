/// Where the wizard shows a field.
public enum Step: String, CaseIterable, Sendable {
    case general = "General", storage = "Storage", registry = "Registry", service = "Service", mirrors = "Mirrors"
    case tls = "TLS", probes = "Probes", review = "Review", write = "Write"

    /// Whether the step is a form of fields (Review and Write are not): the plain prompts ask every form step.
    public var isForm: Bool {
        switch self {
        case .general, .storage, .registry, .service, .mirrors, .tls, .probes: return true
        case .review, .write: return false
        }
    }
}

/// What a quantity measures, which decides its extra rules.
public enum QuantityUse: Sendable { case storage, cpu, memory }

/// The text grammars a field may follow.
public enum TextFormat: Sendable {
    case subdomain, dns1035, labelValue, imageRepository, imageTag, absolutePath, httpPath, host, free
    /// The root of a registry: `https://host[:port]`, no path.
    case registryURL
    /// A Go duration such as `168h`, `1h30m` or `0`.
    case duration
    /// An IPv4 address a Service may be given (`service.clusterIP`), not `None`.
    case clusterIP
    /// An image digest: `sha256:` and 64 lower-case hex digits.
    case digest
    /// An S3 bucket name by S3's rules (3 to 63 lower-case letters, digits, dots and hyphens, and so on).
    case bucketName
    /// An object store's endpoint: `http(s)://host[:port]`, no path (MinIO, Ceph RGW, a cloud's S3 API).
    case endpointURL
    /// An AWS region name such as `eu-west-1`.
    case region
}

/// What kind of value a field holds; decides parsing, the widget and the schema.
public enum FieldKind: Sendable {
    case toggle
    case text(TextFormat)
    case quantity(QuantityUse)
    case integer(min: Int, max: Int)
    case choice([String])
    /// Kept and rendered as given: a mapping or a list.
    case yamlMapping
    case yamlList
    case yamlMappingOrList

    public var isYAML: Bool {
        switch self {
        case .yamlMapping, .yamlList, .yamlMappingOrList:
            return true
        default: return false
        }
    }
}

/// A rule of one field beyond its kind: given the scalar, a severity and a message.
public typealias FieldAdvice = @Sendable (Scalar) -> (ProblemCode, Problem.Severity, String)?

/// One key of `cacheRegistry`, declared once; forms, parsing, validation and the schema come from it.
public struct Field: Sendable {
    public let path: KeyPath
    public let label: String
    /// What it does, in a sentence or two.
    public let help: String
    public let example: String
    public let kind: FieldKind
    /// The chart's default; nil when unset.
    public let defaultValue: Value?
    /// The storage modes that use it; empty means all.
    public let modes: Set<StorageMode>
    public let step: Step
    public let advice: FieldAdvice?
    /// `null` is a meaningful value (it switches a chart default off, as `pv.hostPath: null` does).
    public let nullable: Bool
    /// A toggle that must be on for this field to matter (a probe's settings need the probe enabled).
    public let shownWhen: KeyPath?
    /// What an unset value means in a storage mode, where that differs from `defaultValue` (our keys only: the
    /// chart's templates never read them, so the chart's defaults stay as they are).
    public let modeDefaults: [StorageMode: Value]
    /// For a toggle the wizard shows as a choice of two: the words for off and on.
    public let choiceLabels: (off: String, on: String)?
    /// For a key with only one valid value, what the wizard shows instead of an input (the value follows
    /// from another key, or the rules allow nothing else).
    public let fact: (@Sendable (RegistryConfig.View) -> String)?
    /// A mapping of one level (label keys or env names to strings): a key path deeper than one key inside it is
    /// a key with dots written without `\.`.
    public let flat: Bool
    /// Whether the chart's templates read the key (ours, such as `proxy.*`, they ignore: the `helm` route says so).
    public let chartReads: Bool

    public init(_ path: KeyPath, _ label: String, kind: FieldKind, default defaultValue: Value?, step: Step,
                modes: Set<StorageMode> = [], nullable: Bool = false, shownWhen: KeyPath? = nil,
                modeDefaults: [StorageMode: Value] = [:], choiceLabels: (off: String, on: String)? = nil,
                fact: (@Sendable (RegistryConfig.View) -> String)? = nil, flat: Bool = false, chartReads: Bool = true,
                example: String, help: String,
                advice: FieldAdvice? = nil) {
        self.path = path
        self.label = label
        self.help = help
        self.example = example
        self.kind = kind
        self.defaultValue = defaultValue
        self.modes = modes
        self.nullable = nullable
        self.shownWhen = shownWhen
        self.modeDefaults = modeDefaults
        self.choiceLabels = choiceLabels
        self.fact = fact
        self.step = step
        self.advice = advice
        self.flat = flat
        self.chartReads = chartReads
    }

    /// Whether the merged configuration may lack this key without an error.
    public var isOptional: Bool { defaultValue == nil || kind.isYAML || nullable }

    public func applies(to mode: StorageMode) -> Bool { modes.isEmpty || modes.contains(mode) }

    /// The help text with the example and default, as F1 and the schema show it.
    public var fullHelp: String {
        help + " Example: " + example + ". Default: " + defaultDescription + "."
    }

    /// The default as help and the README say it, per storage mode where it depends on it.
    public var defaultDescription: String {
        guard !modeDefaults.isEmpty else { return defaultValue.map(FieldRegistry.displayText) ?? "unset" }
        let byValue = Dictionary(grouping: modeDefaults, by: { FieldRegistry.displayText($0.value) })
        return byValue.sorted { $0.key > $1.key }
            .map { "\($0.key) (\($0.value.map(\.key.rawValue).sorted().joined(separator: ", ")))" }.joined(
                separator: "; ")
    }

    /// The value an unset key has in a storage mode.
    public func effectiveDefault(in mode: StorageMode) -> Value? { modeDefaults[mode] ?? defaultValue }
}
