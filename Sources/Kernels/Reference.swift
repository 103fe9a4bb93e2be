/// Slow, obvious implementations of the kernels, written for clarity rather than speed.
///
/// Each fast kernel in this module has its reference here (declared in an extension beside the
/// fast version) and a test comparing the two. References take and return arrays and
/// accumulate in `Double` where it makes the arithmetic plainly correct.
public enum Reference {}
