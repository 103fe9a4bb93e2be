/// The version of this build, recorded with every run.
public enum NeurodexVersion {
    public static let current = "0.1.0"
}
