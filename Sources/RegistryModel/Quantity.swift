/// A Kubernetes `resource.Quantity`, held exactly in nano-units.
///
/// Grammar: `[+-]?(digits | digits.digits | digits. | .digits)(Ki|Mi|Gi|Ti|Pi|Ei | n|u|m||k|M|G|T|P|E |
/// [eE][+-]?digits)`.
/// Values are rounded up to 1n, as Kubernetes does; values above 2^63-1 are refused.
public struct Quantity: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// How the quantity was written, which decides its canonical form.
    public enum Format: Sendable { case binarySI, decimalSI, decimalExponent }

    /// The value in units of 10^-9.
    public let nanos: Int128
    public let format: Format

    /// Why a text is not a quantity.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty, malformed, badSuffix(String), tooLarge
        public var description: String {
            switch self {
            case .empty: return "is empty"
            case .malformed: return "is not a quantity"
            case .badSuffix(let suffix): return "has an unknown suffix \"\(suffix)\""
            case .tooLarge: return "is too large (the largest quantity is 2^63-1)"
            }
        }
    }

    static let nanosPerUnit: Int128 = 1_000_000_000
    static let maxNanos: Int128 = Int128(Int64.max) * nanosPerUnit

    public init(nanos: Int128, format: Format) {
        self.nanos = nanos
        self.format = format
    }

    /// Parses a quantity exactly as Kubernetes' `ParseQuantity` accepts it.
    public init(parsing text: String) throws(ParseError) {
        let chars = Array(text.utf8)
        guard !chars.isEmpty else { throw .empty }
        var index = 0
        var negative = false
        if chars[0] == UInt8(ascii: "+") || chars[0] == UInt8(ascii: "-") {
            negative = chars[0] == UInt8(ascii: "-")
            index = 1
        }
        var mantissa: Int128 = 0
        var intDigits = 0, fracDigits = 0, sawDot = false
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        while index < chars.count, isDigit(chars[index]) || (chars[index] == UInt8(ascii: ".") && !sawDot) {
            if chars[index] == UInt8(ascii: ".") {
                sawDot = true
                index += 1
                continue
            }
            let digit = Int128(chars[index] - 48)
            if sawDot { fracDigits += 1 } else { intDigits += 1 }
            if mantissa == 0 && digit == 0 {
                // leading zeros add no precision
            } else {
                let (scaled, o1) = mantissa.multipliedReportingOverflow(by: 10)
                let (sum, o2) = scaled.addingReportingOverflow(digit)
                guard !o1, !o2 else { throw .tooLarge }
                mantissa = sum
            }
            index += 1
        }
        guard intDigits + fracDigits > 0 else { throw .malformed }
        let suffix = String(decoding: chars[index...], as: UTF8.self)
        var exponent10 = -fracDigits
        var binaryShift = 0
        var format = Format.decimalSI
        switch suffix {
        case "": break
        case "n": exponent10 -= 9
        case "u": exponent10 -= 6
        case "m": exponent10 -= 3
        case "k": exponent10 += 3
        case "M": exponent10 += 6
        case "G": exponent10 += 9
        case "T": exponent10 += 12
        case "P": exponent10 += 15
        case "E": exponent10 += 18
        case "Ki":
            format = .binarySI
            binaryShift = 10
        case "Mi":
            format = .binarySI
            binaryShift = 20
        case "Gi":
            format = .binarySI
            binaryShift = 30
        case "Ti":
            format = .binarySI
            binaryShift = 40
        case "Pi":
            format = .binarySI
            binaryShift = 50
        case "Ei":
            format = .binarySI
            binaryShift = 60
        default:
            let first = suffix.utf8.first
            guard first == UInt8(ascii: "e") || first == UInt8(ascii: "E") else { throw .badSuffix(suffix) }
            var digits = Substring(suffix.dropFirst())
            var expNegative = false
            if digits.first == "+" || digits.first == "-" {
                expNegative = digits.first == "-"
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .badSuffix(suffix) }
            guard digits.count < 6, let value = Int(digits) else { throw .tooLarge }
            exponent10 += expNegative ? -value : value
            format = .decimalExponent
        }
        var value = mantissa
        if value != 0 {
            for _ in 0..<binaryShift {
                let (doubled, overflow) = value.multipliedReportingOverflow(by: 2)
                guard !overflow else { throw .tooLarge }
                value = doubled
            }
            var shift = exponent10 + 9
            while shift > 0 {
                let (scaled, overflow) = value.multipliedReportingOverflow(by: 10)
                guard !overflow, scaled <= Quantity.maxNanos * 1000 else { throw .tooLarge }
                value = scaled
                shift -= 1
            }
            var roundUp = false
            while shift < 0 && value > 0 {
                if value % 10 != 0 { roundUp = true }
                value /= 10
                shift += 1
            }
            if roundUp || (shift < 0) { value += 1 }
        }
        guard value <= Quantity.maxNanos else { throw .tooLarge }
        self.nanos = negative ? -value : value
        self.format = format
    }

    public var isZero: Bool { nanos == 0 }
    public var isNegative: Bool { nanos < 0 }
    /// True when the value has a part below 1 (for byte sizes that cannot be fractional).
    public var hasFraction: Bool { nanos % Quantity.nanosPerUnit != 0 }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.nanos < rhs.nanos }
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.nanos == rhs.nanos }
    public func hash(into hasher: inout Hasher) { hasher.combine(nanos) }

    /// The canonical form Kubernetes serialises (`1.5Gi` → `1536Mi`, `1.5` → `1500m`).
    public var description: String {
        if nanos == 0 { return "0" }
        let sign = nanos < 0 ? "-" : ""
        let magnitude = nanos < 0 ? -nanos : nanos
        if format == .binarySI && magnitude >= 1024 * Quantity.nanosPerUnit && magnitude % Quantity.nanosPerUnit == 0 {
            var units = magnitude / Quantity.nanosPerUnit
            var power = 0
            while power < 6 && units % 1024 == 0 {
                units /= 1024
                power += 1
            }
            return sign + String(units) + ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power]
        }
        var units = magnitude
        var exponent = -9
        while exponent < 18 && units % 1000 == 0 {
            units /= 1000
            exponent += 3
        }
        let suffix: String
        if format == .decimalExponent {
            suffix = exponent == 0 ? "" : "e\(exponent)"
        } else {
            suffix = ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"][(exponent + 9) / 3]
        }
        return sign + String(units) + suffix
    }
}
