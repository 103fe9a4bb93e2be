import Foundation

/// How numbers are written: exactly for machine formats (CSV, JSONL, NeuronRecord JSON),
/// readably and uniformly for tables meant for people (terminal, Markdown, LaTeX).
public enum NumberFormatting {
    /// The shortest text that reads back as exactly `value` ("0.1", "1e-05", "3.0"); "nan",
    /// "inf", "-inf" for non-finite values (as pandas and polars read them).
    public static func exact(_ value: Float) -> String { value.description }

    /// The shortest text that reads back as exactly `value`.
    public static func exact(_ value: Double) -> String { value.description }

    /// The f64 whose shortest text is the f32's shortest text (0.1 for the f32 nearest 0.1,
    /// not 0.10000000149011612), so that f32 values pass through f64 fields (NeuronRecord JSON)
    /// and print as they would as f32 (below 2^24, where f32 text turns to exponent notation
    /// sooner than f64 text). `Float(decimal(x)) == x` for every x.
    public static func decimal(_ value: Float) -> Double {
        value.isFinite ? Double(value.description) ?? Double(value) : Double(value)
    }

    /// For people: three decimals ("7.210", "-0.170") when 0.001 ≤ |x| < 100,000 or x = 0,
    /// otherwise three decimals of scientific notation ("1.200e-04"); "NaN", "∞", "-∞".
    public static func display(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-∞" : "∞" }
        let magnitude = abs(value)
        if magnitude == 0 || (magnitude >= 0.001 && magnitude < 100_000) {
            return String(format: "%.3f", value)
        }
        return String(format: "%.3e", value)
    }

    /// A fraction as a percentage with one decimal ("31.2%").
    public static func percent(_ fraction: Double) -> String {
        fraction.isFinite ? String(format: "%.1f%%", fraction * 100) : "NaN"
    }
}
