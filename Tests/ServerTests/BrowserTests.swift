import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The viewer in a real browser: headless Chromium against `neurodex serve` on loopback.
@Suite(.enabled(if: NeurodexBinary.url != nil, NeurodexBinary.missingNote),
       .enabled(if: Chromium.path != nil, Chromium.missingNote),
       .serialized)
struct BrowserTests {
    /// The JSON of `url`.
    func get(_ url: String) async throws -> Any {
        let (data, _) = try await URLSession.shared.data(from: try #require(URL(string: url)))
        return try JSONSerialization.jsonObject(with: data)
    }

    static func htmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\u{a0}", with: "&nbsp;")
    }

    @Test func neuronPageShowsTheTopRecordsWithTheirTokensMarked() async throws {
        let server = try ServeProcess(store: try ServerFixture.store.get())
        let document = try #require(try await get(server.url + "api/neurons/1/3") as? [String: Any])
        let records = try #require(document["top"] as? [[String: Any]])
        let top = try #require(records.first?["token"] as? String)

        let (dom, console) = try Chromium.dumpDOM(server.url + "neurons/1/3")
        #expect(console.isEmpty, "the browser console logged: \(console)")
        #expect(dom.contains("Layer 1 · neuron 3"))
        #expect(dom.contains(">" + Self.htmlEscaped(top) + "</span>"), "the top record's token is not on the page")
        // One highlighted element per window token: a record with a window of per-token
        // activations shades each of its tokens, one without marks its own token.
        func tokenCount(_ records: [[String: Any]]) -> Int {
            records.reduce(0) { total, record in
                total + (((record["window"] as? [String: Any])?["tokens"] as? [Any])?.count ?? 1)
            }
        }
        func occurrences(_ text: String, in html: Substring) -> Int { html.components(separatedBy: text).count - 1 }
        let topSection = try Self.section("top-examples", of: dom)
        #expect(occurrences(#"<span class="tok"#, in: topSection) == tokenCount(records))
        #expect(occurrences(#"class="tok focus""#, in: topSection) == records.count)
        // The most negative records, shaded the same way.
        let negative = try #require(document["negative"] as? [[String: Any]])
        #expect(!negative.isEmpty)
        let negativeSection = try Self.section("negative-examples", of: dom)
        #expect(occurrences(#"<span class="tok"#, in: negativeSection) == tokenCount(negative))
        #expect(occurrences(#"class="tok focus""#, in: negativeSection) == negative.count)
        // The band examples and the random sample, shaded the same way.
        let bandExamples = (document["bands"] as? [[String: Any]] ?? []).flatMap { $0["examples"] as? [[String: Any]] ?? [] }
        let randomSample = document["random_sample"] as? [[String: Any]] ?? []
        #expect(!bandExamples.isEmpty && !randomSample.isEmpty, "the fixture store has no band examples")
        for (id, shown) in [("bands", bandExamples), ("random-sample", randomSample)] {
            let section = try Self.section(id, of: dom)
            #expect(occurrences(#"<span class="tok"#, in: section) == tokenCount(shown), "section \(id)")
            #expect(occurrences(#"class="tok focus""#, in: section) == shown.count, "section \(id)")
        }
        // The logit lens: a row per raised and per lowered token.
        let lens = try #require(document["logit_lens"] as? [String: Any])
        let lensRows = ((lens["raised"] as? [Any])?.count ?? 0) + ((lens["lowered"] as? [Any])?.count ?? 0)
        #expect(lensRows > 0)
        #expect(occurrences("<tr><td><code>", in: try Self.section("logit-lens", of: dom)) == lensRows)
        // Neighbour links go only to neurons and layers the store has (layers 0-1 here).
        #expect(dom.contains(#"href="/neurons/0/3""#))
        #expect(!dom.contains(#"href="/neurons/2/3""#), "a link to a layer that is not indexed")
        #expect(!dom.contains(#"class="error""#), "the page shows an error")
        #expect(server.stop() == 0, "neurodex serve did not stop cleanly on SIGTERM")
    }

    /// The HTML of the page's `<section id="…">`.
    static func section(_ id: String, of dom: String) throws -> Substring {
        let start = try #require(dom.range(of: #"<section id="\#(id)">"#), "no section \(id) on the page")
        let end = try #require(dom[start.upperBound...].range(of: "</section>"))
        return dom[start.upperBound..<end.lowerBound]
    }

    @Test func layerTableSortsWhenAHeaderIsClicked() async throws {
        let server = try ServeProcess(store: try ServerFixture.store.get())
        let browser = try DevTools()
        try browser.open(server.url + "layers/1")
        let rows = "document.querySelectorAll('#neurons tr').length > 1"
        let shown = try browser.waitUntil(rows)
        let page = try browser.evaluate("location.href + ': ' + document.body.innerText") ?? ""
        try #require(shown, "the layer table never showed: \(page)")

        func shownNeurons() throws -> [Int] {
            let value = try browser.evaluate("[...document.querySelectorAll('#neurons tr td:first-child')].map(td => Number(td.textContent))")
            return (value as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.intValue }
        }
        func apiNeurons(_ order: String) async throws -> [Int] {
            let page = try #require(try await get(server.url + "api/layers/1?sort=mean&order=\(order)&limit=50") as? [String: Any])
            return (page["neurons"] as? [[String: Any]] ?? []).compactMap { $0["neuron"] as? Int }
        }

        try browser.evaluate("document.querySelector('th[data-sort=mean]').click()")
        #expect(try browser.waitUntil("document.querySelector('th.sorted')?.dataset.sort === 'mean' && location.search.includes('sort=mean')"))
        #expect(try shownNeurons() == (try await apiNeurons("desc")))
        try browser.evaluate("document.querySelector('th[data-sort=mean]').click()")
        #expect(try browser.waitUntil("location.search.includes('order=asc') && document.querySelector('th.sorted.asc') !== null"))
        #expect(try shownNeurons() == (try await apiNeurons("asc")))
        #expect(browser.consoleProblems.isEmpty, "\(browser.consoleProblems)")
        #expect(server.stop() == 0)
    }
}
