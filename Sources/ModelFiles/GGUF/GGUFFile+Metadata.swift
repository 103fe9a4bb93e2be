/// Typed metadata look-ups that throw `GGUFError.missingMetadata` / `.metadataType`.
extension GGUFFile {
    /// The value stored under `key`, or throws `missingMetadata`.
    public func value(_ key: String) throws -> GGUFValue {
        guard let value = metadata[key] else { throw GGUFError.missingMetadata(path: path, key: key) }
        return value
    }

    /// An integer of any GGUF integer type, as Int.
    public func integer(_ key: String) throws -> Int {
        let value = try value(key)
        guard let integer = value.intValue else { throw typeError(key, expected: "an integer", found: value) }
        return integer
    }

    /// A float32/float64 (or integer) value, as Double.
    public func number(_ key: String) throws -> Double {
        let value = try value(key)
        guard let number = value.doubleValue else { throw typeError(key, expected: "a number", found: value) }
        return number
    }

    public func bool(_ key: String) throws -> Bool {
        let value = try value(key)
        guard case let .bool(flag) = value else { throw typeError(key, expected: "bool", found: value) }
        return flag
    }

    public func string(_ key: String) throws -> String {
        let value = try value(key)
        guard case let .string(string) = value else { throw typeError(key, expected: "string", found: value) }
        return string
    }

    public func array(_ key: String) throws -> GGUFArray {
        let value = try value(key)
        guard case let .array(array) = value else { throw typeError(key, expected: "an array", found: value) }
        return array
    }

    public func stringArray(_ key: String) throws -> [String] {
        let value = try value(key)
        guard case let .array(.string(strings)) = value else {
            throw typeError(key, expected: "array<string>", found: value)
        }
        return strings
    }

    /// An array of any integer element type, as [Int].
    public func integerArray(_ key: String) throws -> [Int] {
        let value = try value(key)
        guard case let .array(array) = value, let integers = array.intValues else {
            throw typeError(key, expected: "an integer array", found: value)
        }
        return integers
    }

    private func typeError(_ key: String, expected: String, found value: GGUFValue) -> GGUFError {
        .metadataType(path: path, key: key, expected: expected, found: value.typeName)
    }
}
