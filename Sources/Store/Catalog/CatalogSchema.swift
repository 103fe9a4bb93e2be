import GRDB

/// The catalog's schema, as named migrations. Schema/catalog.sql is the canonical DDL that
/// these migrations must produce (CatalogSchemaTests compares them).
enum CatalogSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: models, corpora, documents, runs, layers, statistics, analyses") { db in
            try db.create(table: "models") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("family", .text).notNull()
                t.column("source", .text).notNull()
                t.column("fingerprint", .text).notNull().unique()
                t.column("layer_count", .integer).notNull()
                t.column("embedding_size", .integer).notNull()
                t.column("neuron_count", .integer).notNull()
                t.column("vocabulary_size", .integer).notNull()
                t.column("max_context", .integer).notNull()
                t.column("activation_definition", .text).notNull()
                t.column("config_json", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "corpora") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("sources_json", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "documents") { t in
                // The id is the document number used as key in the activation store.
                t.primaryKey("id", .integer)
                t.column("corpus_id", .integer).notNull().indexed().references("corpora", onDelete: .cascade)
                t.column("source_path", .text).notNull()
                t.column("byte_offset", .integer).notNull().check { $0 >= 0 }
                t.column("byte_length", .integer).notNull().check { $0 >= 0 }
                t.column("sha256", .text).notNull()
                t.column("token_count", .integer).notNull().check { $0 >= 0 }
                t.column("replacements", .integer).notNull().defaults(to: 0)
                t.column("metadata_json", .text)
            }
            try db.create(table: "runs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("model_id", .integer).notNull().indexed().references("models")
                t.column("corpus_id", .integer).notNull().indexed().references("corpora")
                t.column("config_json", .text).notNull()
                t.column("tool_version", .text).notNull()
                t.column("status", .text).notNull()
                    .check(sql: "status IN ('running', 'interrupted', 'complete', 'failed')")
                t.column("started_at", .datetime).notNull()
                t.column("finished_at", .datetime)
                t.column("documents_done", .integer).notNull().defaults(to: 0)
                t.column("tokens_done", .integer).notNull().defaults(to: 0)
                t.column("checkpoint_json", .text)
                t.column("error", .text)
            }
            try db.create(table: "layers") { t in
                t.primaryKey("layer", .integer)
                t.column("run_id", .integer).notNull().indexed().references("runs", onDelete: .cascade)
                t.column("neuron_count", .integer).notNull().check { $0 > 0 }
                t.column("top_k", .integer).notNull().check { $0 > 0 }
                t.column("distinct_tokens", .boolean).notNull()
                t.column("statistics_json", .text).notNull()
            }
            // A rowid table: its rows (~1.7 KB with the histogram) are too large for WITHOUT ROWID.
            try db.create(table: "neuron_stats") { t in
                t.column("layer", .integer).notNull()
                    .references("layers", column: "layer", onDelete: .cascade)
                t.column("neuron", .integer).notNull()
                t.primaryKey(["layer", "neuron"])
                t.column("count", .integer).notNull()
                t.column("mean", .double).notNull()
                t.column("variance", .double).notNull()
                t.column("skewness", .double).notNull()
                t.column("kurtosis", .double).notNull()
                t.column("min", .double).notNull()
                t.column("max", .double).notNull()
                t.column("fraction_positive", .double).notNull()
                t.column("histogram", .blob).notNull()
                t.column("sample", .blob).notNull()
            }
            try db.create(table: "analyses") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .integer).notNull().indexed().references("runs", onDelete: .cascade)
                t.column("layer", .integer).notNull()
                // -1 for a layer-level result (not NULL: NULLs never collide in a UNIQUE key).
                t.column("neuron", .integer).notNull()
                t.column("method", .text).notNull()
                t.column("parameters_hash", .text).notNull()
                t.column("parameters_json", .text).notNull()
                t.column("seed", .integer).notNull()
                t.column("result_json", .text).notNull()
                t.column("created_at", .datetime).notNull()
                t.uniqueKey(["run_id", "layer", "neuron", "method", "parameters_hash", "seed"])
            }
        }
        return migrator
    }
}
