import Canonical
import Foundation
import GRDB

extension NeurodexStore {
    /// A SHA-256 over the store's content — records, token streams, documents, layers and
    /// statistics — independent of file layout, run ids and times, so that two stores that
    /// hold the same index have the same digest (`neurodex info --digest`).
    public func contentDigest() throws -> String {
        let hash = SHA256()
        func add(_ text: String) { hash.update(data: Data(text.utf8)) }
        try activations.read { r in
            add("records\n")
            try r.forEachNeuron { layer, neuron, records in
                add("\(layer) \(neuron) ")
                hash.update(bytes: records.encoded())
                return true
            }
            add("tokens\n")
            var document: UInt32 = 0
            let documents = try r.counts().documents
            var seen = 0
            while seen < documents {
                if let tokens = try r.tokens(document: document) {
                    add("\(document) \(tokens.count)\n")
                    tokens.withUnsafeBytes { hash.update(bufferPointer: $0) }
                    seen += 1
                }
                document += 1
            }
        }
        try catalog.read { db in
            add("documents\n")
            for doc in try DocumentRow.order(Column("id")).fetchAll(db) {
                add("\(doc.id) \(doc.sourcePath) \(doc.byteOffset) \(doc.byteLength) \(doc.sha256) \(doc.tokenCount) \(doc.replacements) \(doc.metadataJson ?? "")\n")
            }
            add("layers\n")
            for layer in try LayerRow.order(Column("layer")).fetchAll(db) {
                add("\(layer.layer) \(layer.neuronCount) \(layer.topK) \(layer.distinctTokens) \(layer.statisticsJson)\n")
            }
            add("statistics\n")
            for s in try NeuronStatsRow.order(Column("layer"), Column("neuron")).fetchAll(db) {
                let numbers = [s.mean, s.variance, s.skewness, s.kurtosis, s.min, s.max, s.fractionPositive]
                add("\(s.layer) \(s.neuron) \(s.count) " + numbers.map { String($0.bitPattern, radix: 16) }.joined(separator: " ") + "\n")
                hash.update(data: s.histogram)
                hash.update(data: s.sample)
            }
        }
        return hash.hexDigest()
    }
}
