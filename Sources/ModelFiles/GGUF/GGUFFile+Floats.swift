import Kernels

/// Tensors converted to f32.
extension GGUFFile {
    /// Tensor `name` as f32 in stored order: `rowCount` rows of `rowLength` values
    /// (for a weight with `dimensions == [in, out]`: [out, in] row-major).
    /// With `threads` > 1 the conversion is split over that many threads.
    public func floats(_ name: String, threads: Int = 1) throws -> [Float] {
        let tensor = try tensor(named: name)
        return try floats(of: tensor, rows: 0..<tensor.rowCount, threads: threads)
    }

    /// Rows `rows` of `tensor` as f32, [rows.count, rowLength] (e.g. one token's embedding).
    public func floats(of tensor: GGUFTensorInfo, rows: Range<Int>, threads: Int = 1) throws -> [Float] {
        try floats(of: tensor, rows: rows, threads: threads, minimumValuesPerThread: 1 << 16)
    }

    /// `minimumValuesPerThread` keeps small conversions on one thread (tests lower it).
    func floats(of tensor: GGUFTensorInfo, rows: Range<Int>, threads: Int,
                minimumValuesPerThread: Int) throws -> [Float] {
        guard hasTensor(named: tensor.name), try self.tensor(named: tensor.name) == tensor else {
            throw GGUFError.missingTensor(path: path, name: tensor.name)
        }
        guard tensor.type.isDequantizable else {
            throw GGUFError.unsupportedDequantization(path: path, tensor: tensor.name, type: tensor.type)
        }
        guard rows.lowerBound >= 0, rows.upperBound <= tensor.rowCount else {
            throw GGUFError.rowsOutOfRange(path: path, tensor: tensor.name, rows: rows, rowCount: tensor.rowCount)
        }
        let type = tensor.type
        let blocksPerRow = tensor.rowLength / type.blockSize
        let firstBlock = rows.lowerBound * blocksPerRow
        let blockCount = rows.count * blocksPerRow
        let valueCount = rows.count * tensor.rowLength
        let chunkCount = max(1, min(threads, valueCount / max(1, minimumValuesPerThread)))

        return withRawBytes(of: tensor) { raw in
            [Float](unsafeUninitializedCapacity: valueCount) { buffer, initialized in
                if let source = raw.baseAddress, let destination = buffer.baseAddress {
                    // Each chunk converts its own range of blocks into its own range of floats.
                    forEachJobInParallel(chunkCount, threads: chunkCount) { chunk in
                        let start = blockCount * chunk / chunkCount
                        let end = blockCount * (chunk + 1) / chunkCount
                        GGUFDequantizer.dequantize(
                            type, blockCount: end - start,
                            from: source + (firstBlock + start) * type.bytesPerBlock,
                            into: destination + start * type.blockSize)
                    }
                }
                initialized = valueCount
            }
        }
    }
}

