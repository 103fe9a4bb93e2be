import Testing
import Store

/// The one parser of `--layers` and `--neurons` lists.
@Suite struct NumberListTests {
    @Test func readsNumbersAndRanges() {
        #expect(NumberList(parsing: "5") == .list([5]))
        #expect(NumberList(parsing: "0-1,5") == .list([0, 1, 5]))
        #expect(NumberList(parsing: "0,3,5-7") == .list([0, 3, 5, 6, 7]))
        #expect(NumberList(parsing: "2-2") == .list([2]))
    }

    @Test func allowsSpacesAroundItems() {
        #expect(NumberList(parsing: "0-1, 5") == .list([0, 1, 5]))
        #expect(NumberList(parsing: " 0 - 1 ,5 ") == .list([0, 1, 5]))
        #expect(NumberList(parsing: " 7 ") == .list([7]))
        #expect(NumberList(parsing: " all ") == .all)
        #expect(NumberList(parsing: "all") == .all)
    }

    @Test func sortsAndDropsDuplicates() {
        #expect(NumberList(parsing: "5,1,5") == .list([1, 5]))
        #expect(NumberList(parsing: "3-6,4-8,0") == .list([0, 3, 4, 5, 6, 7, 8]))
    }

    @Test func refusesWhatIsNotAList() {
        for bad in ["", " ", ",", "1,,2", "1,", "3-1", "-2", "1--2", "1-2-3", "a", "1-a", "ALL", "all,1", "1 2"] {
            #expect(NumberList(parsing: bad) == nil, "'\(bad)' must be refused")
        }
    }
}
