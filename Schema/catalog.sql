-- Neurodex catalog schema (catalog.sqlite). Canonical: the migrations in
-- Sources/Store/Catalog/CatalogSchema.swift must produce exactly these statements.

CREATE TABLE "analyses" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "run_id" INTEGER NOT NULL REFERENCES "runs"("id") ON DELETE CASCADE,
    "layer" INTEGER NOT NULL,
    "neuron" INTEGER NOT NULL,
    "method" TEXT NOT NULL,
    "parameters_hash" TEXT NOT NULL,
    "parameters_json" TEXT NOT NULL,
    "seed" INTEGER NOT NULL,
    "result_json" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    UNIQUE ("run_id", "layer", "neuron", "method", "parameters_hash", "seed")
);

CREATE TABLE "corpora" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "sources_json" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL
);

CREATE TABLE "documents" (
    "id" INTEGER PRIMARY KEY,
    "corpus_id" INTEGER NOT NULL REFERENCES "corpora"("id") ON DELETE CASCADE,
    "source_path" TEXT NOT NULL,
    "byte_offset" INTEGER NOT NULL CHECK ("byte_offset" >= 0),
    "byte_length" INTEGER NOT NULL CHECK ("byte_length" >= 0),
    "sha256" TEXT NOT NULL,
    "token_count" INTEGER NOT NULL CHECK ("token_count" >= 0),
    "replacements" INTEGER NOT NULL DEFAULT 0,
    "metadata_json" TEXT
);

CREATE TABLE "layers" (
    "layer" INTEGER PRIMARY KEY,
    "run_id" INTEGER NOT NULL REFERENCES "runs"("id") ON DELETE CASCADE,
    "neuron_count" INTEGER NOT NULL CHECK ("neuron_count" > 0),
    "top_k" INTEGER NOT NULL CHECK ("top_k" > 0),
    "distinct_tokens" BOOLEAN NOT NULL,
    "statistics_json" TEXT NOT NULL
);

CREATE TABLE "models" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "family" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL UNIQUE,
    "layer_count" INTEGER NOT NULL,
    "embedding_size" INTEGER NOT NULL,
    "neuron_count" INTEGER NOT NULL,
    "vocabulary_size" INTEGER NOT NULL,
    "max_context" INTEGER NOT NULL,
    "activation_definition" TEXT NOT NULL,
    "config_json" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL
);

CREATE TABLE "neuron_stats" (
    "layer" INTEGER NOT NULL REFERENCES "layers"("layer") ON DELETE CASCADE,
    "neuron" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,
    "mean" DOUBLE NOT NULL,
    "variance" DOUBLE NOT NULL,
    "skewness" DOUBLE NOT NULL,
    "kurtosis" DOUBLE NOT NULL,
    "min" DOUBLE NOT NULL,
    "max" DOUBLE NOT NULL,
    "fraction_positive" DOUBLE NOT NULL,
    "histogram" BLOB NOT NULL,
    "sample" BLOB NOT NULL,
    PRIMARY KEY ("layer", "neuron")
);

CREATE TABLE "runs" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "model_id" INTEGER NOT NULL REFERENCES "models"("id"),
    "corpus_id" INTEGER NOT NULL REFERENCES "corpora"("id"),
    "config_json" TEXT NOT NULL,
    "tool_version" TEXT NOT NULL,
    "status" TEXT NOT NULL CHECK (status IN ('running', 'interrupted', 'complete', 'failed')),
    "started_at" DATETIME NOT NULL,
    "finished_at" DATETIME,
    "documents_done" INTEGER NOT NULL DEFAULT 0,
    "tokens_done" INTEGER NOT NULL DEFAULT 0,
    "checkpoint_json" TEXT,
    "error" TEXT
);

CREATE INDEX "analyses_on_run_id" ON "analyses"("run_id");

CREATE INDEX "documents_on_corpus_id" ON "documents"("corpus_id");

CREATE INDEX "layers_on_run_id" ON "layers"("run_id");

CREATE INDEX "runs_on_corpus_id" ON "runs"("corpus_id");

CREATE INDEX "runs_on_model_id" ON "runs"("model_id");
