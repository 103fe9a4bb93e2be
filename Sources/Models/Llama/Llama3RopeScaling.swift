import Foundation
import Kernels

/// Llama 3.1's rope scaling (HF `rope_type: "llama3"`): rotary frequencies whose wavelength is
/// longer than the original context / `lowFrequencyFactor` are divided by `factor`, those
/// shorter than original context / `highFrequencyFactor` are kept, and those between are
/// interpolated smoothly (transformers' `_compute_llama3_parameters`).
struct Llama3RopeScaling: Decodable, Sendable, CustomStringConvertible {
    var factor: Double
    var lowFrequencyFactor: Double
    var highFrequencyFactor: Double
    var originalContextLength: Int

    enum CodingKeys: String, CodingKey {
        case factor, lowFrequencyFactor = "low_freq_factor", highFrequencyFactor = "high_freq_factor"
        case originalContextLength = "original_max_position_embeddings"
    }

    var description: String {
        "factor \(factor), low_freq_factor \(lowFrequencyFactor), high_freq_factor \(highFrequencyFactor), "
            + "original_max_position_embeddings \(originalContextLength)"
    }

    /// What each inverse frequency of a head of `headDimension` with rope base `base` is divided
    /// by, as llama.cpp's converter writes `rope_freqs.weight`; nil for invalid parameters.
    /// [headDimension / 2]
    func frequencyFactors(headDimension: Int, base: Double) -> [Float]? {
        guard factor > 0, lowFrequencyFactor > 0, highFrequencyFactor > lowFrequencyFactor,
              originalContextLength > 0 else { return nil }
        let context = Double(originalContextLength)
        let longestKept = context / highFrequencyFactor     // high_freq_wavelen
        let shortestScaled = context / lowFrequencyFactor   // low_freq_wavelen
        return RotaryTable.inverseFrequencies(headDimension: headDimension, base: base).map { inverseFrequency in
            let wavelength = 2 * Double.pi / Double(inverseFrequency)
            if wavelength < longestKept { return 1 }
            if wavelength > shortestScaled { return Float(factor) }
            let smooth = (context / wavelength - lowFrequencyFactor) / (highFrequencyFactor - lowFrequencyFactor)
            return Float(1 / ((1 - smooth) / factor + smooth))
        }
    }
}
