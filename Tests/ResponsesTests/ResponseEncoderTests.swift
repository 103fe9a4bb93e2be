import Foundation
import Testing
@testable import Responses

/// The spellings of `JSONStyle` and the key rules of `ResponseEncoder`.
@Suite struct ResponseEncoderTests {
    protocol Style { static var style: JSONStyle { get } }
    enum Exact: Style { static let style = JSONStyle() }
    enum FoundationLike: Style { static let style = JSONStyle(snakeCaseKeys: true, flavor: .foundation) }
    enum Indented: Style { static let style = JSONStyle(flavor: .foundation, escapesSlashes: true, layout: .indented) }

    /// A document with one member of each kind, to spell in each style.
    struct Sample<S: Style>: ResponseDocument {
        static var style: JSONStyle { S.style }

        struct Embedded: Codable, Sendable {
            var zeta = 1
            var alphaBeta = 2
            var tokenIDs: [UInt32] = [3]
        }

        var float: Float = 3
        var double: Double = 0.1
        var nan: Double = .nan
        var text = "a/b\u{8}\n\u{1}"
        var embedded = Embedded()
        var dictionary = ["b": 1, "a": 2]

        enum CodingKeys: String, ResponseCodingKey {
            case float, double, nan, text, embedded, dictionary
        }
    }

    func text<D: ResponseDocument>(_ document: D) throws -> String {
        String(decoding: try ResponseEncoder.encode(document), as: UTF8.self)
    }

    @Test func exactFlavorKeepsDeclaredOrderAndWritesNullForNaN() throws {
        #expect(try text(Sample<Exact>()) == #"{"float":3.0,"double":0.1,"nan":null,"text":"a/b\u0008\n\u0001","#
                + #""embedded":{"alphaBeta":2,"tokenIDs":[3],"zeta":1},"dictionary":{"a":2,"b":1}}"#)
    }

    @Test func foundationFlavorMatchesJSONEncoder() throws {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        foundation.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        foundation.keyEncodingStrategy = .custom { path in Key(stringValue: snakeCase(path.last!.stringValue)) }
        let embedded = String(decoding: try foundation.encode(Sample<FoundationLike>.Embedded()), as: UTF8.self)
        #expect(try text(Sample<FoundationLike>()) == #"{"float":3,"double":0.1,"nan":"nan","text":"a/b\b\n\u0001","#
                + #""embedded":\#(embedded),"dictionary":{"a":2,"b":1}}"#)
        #expect(embedded == #"{"alpha_beta":2,"token_ids":[3],"zeta":1}"#)
    }

    @Test func indentedLayoutIsFoundationsPrettyPrinting() throws {
        typealias Embedded = Sample<Indented>.Embedded
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.sortedKeys, .prettyPrinted]
        let expected = String(decoding: try foundation.encode(["list": [Embedded](), "one": [Embedded()]]), as: UTF8.self)
        struct Lists: ResponseDocument {
            static let style = Indented.style
            var list: [Embedded] = []
            var one = [Embedded()]
        }
        #expect(try text(Lists()) == expected)
        #expect(try text(Sample<Indented>()).contains(#""text" : "a\/b\b\n\u0001""#))
    }

    /// Values written through every kind of container, nested containers and super encoders
    /// never closed explicitly (their parent goes on), empty values, dictionaries inside
    /// embedded objects: with sorted keys, spelled as Foundation's `JSONEncoder` spells them.
    struct Containers: Encodable {
        struct Nothing: Encodable {
            func encode(to encoder: Encoder) throws {}
        }

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ name: String) { stringValue = name }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: Encoder) throws {
            var object = encoder.container(keyedBy: Key.self)
            try object.encode([["b": [1.5, -0.0], "a": []], [:]] as [[String: [Double]]], forKey: Key("zeta"))
            var nested = object.nestedContainer(keyedBy: Key.self, forKey: Key("nested"))
            try nested.encode("first", forKey: Key("written"))
            try nested.encode(Nothing(), forKey: Key("empty"))
            var list = object.nestedUnkeyedContainer(forKey: Key("list"))
            try list.encode(1)
            var inner = list.nestedUnkeyedContainer()
            try inner.encode("x")
            try list.encode(Nothing())
            var member = list.nestedContainer(keyedBy: Key.self)
            try member.encodeNil(forKey: Key("null"))
            try object.encode(Nothing(), forKey: Key("nothing"))
            _ = object.superEncoder()
            try object.encodeIfPresent(Optional<Int>.none, forKey: Key("absent"))
            try object.encode(Optional<Int>.some(3), forKey: Key("present"))
            var single = object.superEncoder(forKey: Key("single")).singleValueContainer()
            try single.encode([Float(0.25)])
        }
    }

    @Test func containersLeftOpenAndEmptyValuesAreFoundationsSpelling() throws {
        struct Document: ResponseDocument {
            static let style = JSONStyle(flavor: .foundation)
            init() {}
            init(from decoder: Decoder) throws {}
            func encode(to encoder: Encoder) throws { try Containers().encode(to: encoder) }
        }
        struct Indented: ResponseDocument {
            static let style = JSONStyle(flavor: .foundation, layout: .indented)
            init() {}
            init(from decoder: Decoder) throws {}
            func encode(to encoder: Encoder) throws { try Containers().encode(to: encoder) }
        }
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(try text(Document()) == String(decoding: try foundation.encode(Containers()), as: UTF8.self))
        foundation.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        #expect(try text(Indented()) == String(decoding: try foundation.encode(Containers()), as: UTF8.self))
    }

    /// A document whose objects write their own members gives another encoder the same
    /// members through its keyed containers.
    @Test func responseObjectsGiveOtherEncodersTheSameMembers() throws {
        let window = NeuronResponse.Window(tokenIDs: [1, 2], tokens: ["a", " b"], activations: [0.5, -1], focus: 1)
        let record = NeuronResponse.Record(activation: 2.5, tokenID: 2, token: " b", document: 3, position: 4, context: "a b",
                                           window: window)
        let document = NeuronResponse(
            layer: 1, neuron: 2,
            stats: .init(count: 10, mean: 0.25, variance: 1, min: -1, max: 3, fractionPositive: 0.5),
            top: [record, .init(activation: 1, tokenID: 1, token: "a", document: 0, position: 0, context: "a")],
            negative: [record],
            logitLens: .init(raised: [.init(tokenID: 5, token: "x", value: 0.75)], lowered: []),
            bands: [.init(quantiles: [0.9, 0.99], values: [1, 2], share: 0.09, sampled: 3, examples: [record])])
        let ours = try JSONSerialization.jsonObject(with: Data(try ResponseEncoder.encode(document))) as? NSDictionary
        let foundation = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(document)) as? NSDictionary
        #expect(ours != nil && ours == foundation)
    }

    @Test func snakeCaseKeysReadBack() {
        for name in ["tokenIDs", "nullMean", "topSubsetSegmentCount", "p", "kMeansRestarts"] {
            #expect(CamelCaseKey(snakeCase: snakeCase(name)).stringValue == name)
        }
        #expect(snakeCase("tokenIDs") == "token_ids" && snakeCase("URLPath") == "url_path")
    }

    @Test func documentsReadBack() throws {
        let neuron = NeuronResponse(layer: 1, neuron: 2, stats: nil,
                                    top: [.init(activation: 0.5, tokenID: 7, token: " a", document: 0, position: 3, context: "x a")])
        let encoded = try ResponseEncoder.encode(neuron)
        #expect(String(decoding: encoded, as: UTF8.self) == #"{"layer":1,"neuron":2,"stats":null,"top":[{"activation":0.5,"#
                + #""token_id":7,"token":" a","document":0,"position":3,"context":"x a"}],"negative":[],"logit_lens":null,"bands":[],"random_sample":[]}"#)
        let decoded = try ResponseDecoderCheck.roundTrip(neuron)
        #expect(decoded.top == neuron.top && decoded.stats == nil)

        let stats = NeuronResponse.Statistics(count: 0, mean: .nan, variance: 0, min: 1, max: 2, fractionPositive: 0.25)
        let withStats = try ResponseDecoderCheck.roundTrip(NeuronResponse(layer: 0, neuron: 0, stats: stats, top: []))
        #expect(withStats.stats?.mean.isNaN == true && withStats.stats?.fractionPositive == 0.25)

        let tokenize = TokenizeResponse(ids: [1, 2, 3])
        #expect(String(decoding: try ResponseEncoder.encode(tokenize), as: UTF8.self) == #"{"ids": [1, 2, 3]}"#)
        #expect(try ResponseDecoderCheck.roundTrip(tokenize).ids == [1, 2, 3])
    }
}

enum ResponseDecoderCheck {
    /// `document` encoded and decoded again.
    static func roundTrip<D: ResponseDocument>(_ document: D) throws -> D {
        try ResponseEncoder.decode(D.self, from: Data(try ResponseEncoder.encode(document)))
    }
}
