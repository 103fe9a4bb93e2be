import Foundation

// Distribution functions for the p-values: regularized incomplete gamma (chi-square),
// regularized incomplete beta (Student t) and the normal tail. Series and continued fractions
// after Numerical Recipes §6.2 and §6.4, iterated to double precision (relative error ~1e-14).

/// ln Γ(x) for x > 0 (thread-safe: `lgamma_r`, not the `signgam`-writing `lgamma`).
public func logGamma(_ x: Double) -> Double {
    var sign: Int32 = 0
    return lgamma_r(x, &sign)
}

/// Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), for a > 0, x ≥ 0.
public func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
    if x <= 0 { return 0 }
    if x.isInfinite { return 1 }
    return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x)
}

/// Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a) = 1 − P(a, x).
public func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
    if x <= 0 { return 1 }
    if x.isInfinite { return 0 }
    return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x)
}

/// P(a, x) by its power series (converges quickly for x < a + 1).
private func gammaSeries(_ a: Double, _ x: Double) -> Double {
    var ap = a
    var term = 1 / a
    var sum = term
    for _ in 0..<10_000 {
        ap += 1
        term *= x / ap
        sum += term
        if abs(term) < abs(sum) * 1e-17 { break }
    }
    return sum * exp(-x + a * log(x) - logGamma(a))
}

/// Q(a, x) by its continued fraction, modified Lentz (converges quickly for x ≥ a + 1).
private func gammaContinuedFraction(_ a: Double, _ x: Double) -> Double {
    let tiny = 1e-300
    var b = x + 1 - a
    var c = 1 / tiny
    var d = 1 / b
    var h = d
    for i in 1...10_000 {
        let an = -Double(i) * (Double(i) - a)
        b += 2
        d = an * d + b
        if abs(d) < tiny { d = tiny }
        c = b + an / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        let delta = d * c
        h *= delta
        if abs(delta - 1) < 3e-16 { break }
    }
    return exp(-x + a * log(x) - logGamma(a)) * h
}

/// Regularized incomplete beta I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1.
public func regularizedBeta(_ a: Double, _ b: Double, _ x: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let front = exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * log(x) + b * log1p(-x))
    if x < (a + 1) / (a + b + 2) {
        return front * betaContinuedFraction(a, b, x) / a
    }
    return 1 - front * betaContinuedFraction(b, a, 1 - x) / b
}

/// The continued fraction of I_x(a, b), modified Lentz.
private func betaContinuedFraction(_ a: Double, _ b: Double, _ x: Double) -> Double {
    let tiny = 1e-300
    let qab = a + b, qap = a + 1, qam = a - 1
    var c = 1.0
    var d = 1 - qab * x / qap
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    for m in 1...10_000 {
        let m = Double(m)
        let m2 = 2 * m
        var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        if abs(d) < tiny { d = tiny }
        c = 1 + aa / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        if abs(d) < tiny { d = tiny }
        c = 1 + aa / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        let delta = d * c
        h *= delta
        if abs(delta - 1) < 3e-16 { break }
    }
    return h
}

/// Upper tail P(X ≥ x) of the chi-square distribution with `degreesOfFreedom`.
public func chiSquareSurvival(_ x: Double, degreesOfFreedom: Double) -> Double {
    regularizedGammaQ(degreesOfFreedom / 2, x / 2)
}

/// Upper tail P(T ≥ t) of Student's t distribution with `degreesOfFreedom`.
public func studentTSurvival(_ t: Double, degreesOfFreedom df: Double) -> Double {
    if t.isInfinite { return t > 0 ? 0 : 1 }
    let tail = 0.5 * regularizedBeta(df / 2, 0.5, df / (df + t * t))
    return t >= 0 ? tail : 1 - tail
}

/// Upper tail P(Z ≥ z) of the standard normal distribution.
public func normalSurvival(_ z: Double) -> Double {
    0.5 * erfc(z / 2.0.squareRoot())
}
