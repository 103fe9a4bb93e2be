import Foundation

/// A list of non-negative numbers as users write them for layers and neurons: numbers and
/// inclusive ranges separated by commas, spaces allowed around each item ("0-1,5",
/// "0 - 1, 5"), or the word "all".
///
/// One parser for every such option, so that `--layers` and `--neurons` read the same text
/// the same way; each caller turns an unreadable list into its own error.
public enum NumberList: Sendable, Hashable {
    case all
    /// Ascending, without repeats.
    case list([Int])

    /// Parses `text`; nil when it is not such a list (empty, an empty item, a negative number,
    /// a reversed range such as "3-1", anything else).
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "all" {
            self = .all
            return
        }
        var numbers = Set<Int>()
        for item in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
                .map { Int($0.trimmingCharacters(in: .whitespaces)) }
            if bounds.count == 1, let number = bounds[0], number >= 0 {
                numbers.insert(number)
            } else if bounds.count == 2, let low = bounds[0], let high = bounds[1], low >= 0, low <= high {
                numbers.formUnion(low...high)
            } else {
                return nil
            }
        }
        self = .list(numbers.sorted())
    }
}
