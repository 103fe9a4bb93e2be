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

    /// Writes all `tensor.elementCount` values of `tensor`, as f32 in stored order, to
    /// `destination`, which must hold that many floats (e.g. a slice of a buffer that stacks
    /// several weights).
    public func readFloats(of tensor: GGUFTensorInfo, into destination: UnsafeMutablePointer<Float>,
                           threads: Int = 1) throws {
        let rows = 0..<tensor.rowCount
        try checkConvertible(tensor, rows: rows)
        convert(tensor, rows: rows, into: destination, threads: threads, minimumValuesPerThread: 1 << 16)
    }

    /// `minimumValuesPerThread` keeps small conversions on one thread (tests lower it).
    func floats(of tensor: GGUFTensorInfo, rows: Range<Int>, threads: Int,
                minimumValuesPerThread: Int) throws -> [Float] {
        try checkConvertible(tensor, rows: rows)
        let valueCount = rows.count * tensor.rowLength
        return [Float](unsafeUninitializedCapacity: valueCount) { buffer, initialized in
            if let destination = buffer.baseAddress {
                convert(tensor, rows: rows, into: destination, threads: threads,
                        minimumValuesPerThread: minimumValuesPerThread)
            }
            initialized = valueCount
        }
    }

    /// Throws unless `tensor` is this file's, of a dequantizable type, and has `rows`.
    private func checkConvertible(_ tensor: GGUFTensorInfo, rows: Range<Int>) throws {
        guard hasTensor(named: tensor.name), try self.tensor(named: tensor.name) == tensor else {
            throw GGUFError.missingTensor(path: path, name: tensor.name)
        }
        guard tensor.type.isDequantizable else {
            throw GGUFError.unsupportedDequantization(path: path, tensor: tensor.name, type: tensor.type)
        }
        guard rows.lowerBound >= 0, rows.upperBound <= tensor.rowCount else {
            throw GGUFError.rowsOutOfRange(path: path, tensor: tensor.name, rows: rows, rowCount: tensor.rowCount)
        }
    }

    /// Converts rows `rows` of a checked `tensor` into `destination` [rows.count, rowLength],
    /// split over up to `threads` threads by ranges of blocks.
    private func convert(_ tensor: GGUFTensorInfo, rows: Range<Int>, into destination: UnsafeMutablePointer<Float>,
                         threads: Int, minimumValuesPerThread: Int) {
        let type = tensor.type
        let blocksPerRow = tensor.rowLength / type.blockSize
        let firstBlock = rows.lowerBound * blocksPerRow
        let blockCount = rows.count * blocksPerRow
        let valueCount = rows.count * tensor.rowLength
        let chunkCount = max(1, min(threads, valueCount / max(1, minimumValuesPerThread)))

        withRawBytes(of: tensor) { raw in
            guard let source = raw.baseAddress else { return }
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
    }
}
