"""The typed job configs, built from validated payloads: `TrainingConfig` (job-train schema) and `EvaluationConfig`
(job-evaluate schema)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


class JobError(Exception):
    """A failure that retrying cannot fix (bad payload, bad data, QLoRA without CUDA): the job fails for good."""


@dataclass(frozen=True)
class Hyperparameters:
    epochs: int
    learning_rate: float
    batch_size: int
    gradient_accumulation_steps: int
    max_seq_length: int
    warmup_ratio: float
    weight_decay: float
    lora_r: int
    lora_alpha: int
    lora_dropout: float
    validation_split: float
    test_split: float  # carved first, never trained on nor validated on (data.carve_test)
    early_stopping_patience: int
    eval_every_steps: int
    checkpoint_every_steps: int
    log_every_steps: int
    max_steps: int | None
    seed: int
    packing: bool
    merge_weights: bool
    # NEFTune: noise scale for the input embeddings (transformers' neftune_noise_alpha); None = off.
    neftune_noise_alpha: float | None = None
    # Preference tuning: DPO's beta (only a preference job's payload carries it).
    beta: float | None = None
    # Gradient checkpointing, resolved by the platform (never "auto" here); None: a payload from before the option.
    gradient_checkpointing: bool | None = None

    @classmethod
    def from_payload(cls, hp: dict) -> Hyperparameters:
        return cls(
            epochs=hp["epochs"], learning_rate=hp["learningRate"], batch_size=hp["batchSize"],
            gradient_accumulation_steps=hp["gradientAccumulationSteps"], max_seq_length=hp["maxSeqLength"],
            warmup_ratio=hp["warmupRatio"], weight_decay=hp["weightDecay"], lora_r=hp["loraR"],
            lora_alpha=hp["loraAlpha"], lora_dropout=hp["loraDropout"], validation_split=hp["validationSplit"],
            test_split=hp["testSplit"],
            early_stopping_patience=hp["earlyStoppingPatience"], eval_every_steps=hp["evalEverySteps"],
            checkpoint_every_steps=hp["checkpointEverySteps"], log_every_steps=hp["logEverySteps"],
            max_steps=hp["maxSteps"], seed=hp["seed"], packing=hp["packing"], merge_weights=hp["mergeWeights"],
            neftune_noise_alpha=hp.get("neftuneNoiseAlpha"), beta=hp.get("beta"),
            gradient_checkpointing=hp.get("gradientCheckpointing"),
        )


@dataclass(frozen=True)
class DatasetRef:
    name: str
    key: str
    format: str
    container: str
    weight: float
    rows: int
    sha256: str


def _dataset_ref(d: dict) -> DatasetRef:
    return DatasetRef(name=d["name"], key=d["key"], format=d["format"], container=d["container"],
                      weight=float(d["weight"]), rows=d["rows"], sha256=d["sha256"])


@dataclass(frozen=True)
class BaseModelRef:
    name: str
    source: str  # huggingface | local | artifact
    ref: str
    revision: str | None = None
    artifact_kind: str | None = None
    parent: BaseModelRef | None = None

    @classmethod
    def from_payload(cls, bm: dict | None) -> BaseModelRef | None:
        if bm is None:
            return None
        return cls(name=bm["name"], source=bm["source"], ref=bm["ref"], revision=bm.get("revision"),
                   artifact_kind=bm.get("artifactKind"), parent=cls.from_payload(bm.get("parent")))


@dataclass(frozen=True)
class TrainingConfig:
    job_id: str
    team_id: str
    technique: str  # sft | continued_pretraining | classification | preference
    method: str  # lora | qlora | full
    hp: Hyperparameters
    base_model: BaseModelRef
    datasets: tuple[DatasetRef, ...]
    output_prefix: str
    required_vram_mb: int = 0
    labels: tuple[str, ...] | None = None  # classification: the declared label set, in order (None: the data's)
    processes: int = 1  # payload `distributed`: processes (one per GPU) and "ddp" | "fsdp" (decision 0014)
    strategy: str = "ddp"
    # An explicit validation set (payload `validationDatasets`): validated on instead of a validationSplit hold-out.
    validation_datasets: tuple[DatasetRef, ...] = ()

    @classmethod
    def from_payload(cls, p: dict) -> TrainingConfig:
        return cls(
            job_id=p["jobId"], team_id=p["teamId"], technique=p["technique"], method=p["method"],
            hp=Hyperparameters.from_payload(p["hyperparameters"]),
            base_model=BaseModelRef.from_payload(p["baseModel"]),
            datasets=tuple(DatasetRef(name=d["name"], key=d["key"], format=d["format"], container=d["container"],
                                      weight=float(d["weight"]), rows=d["rows"], sha256=d["sha256"])
                           for d in p["datasets"]),
            output_prefix=p["outputPrefix"], required_vram_mb=p.get("requiredVramMb", 0),
            labels=tuple(p["labels"]) if p.get("labels") is not None else None,
            processes=(p.get("distributed") or {}).get("processes", 1),
            strategy=(p.get("distributed") or {}).get("strategy", "ddp"),
            validation_datasets=tuple(_dataset_ref(d) for d in p.get("validationDatasets") or ()),
        )

    @property
    def gradient_checkpointing(self) -> bool:
        """As the payload says; a payload from before the option: on for QLoRA only, as the runner always did."""
        return self.hp.gradient_checkpointing if self.hp.gradient_checkpointing is not None else self.method == "qlora"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class EvaluatedModel:
    model_id: str
    label: str  # the model's name in the report
    ref: BaseModelRef


@dataclass(frozen=True)
class EvaluationConfig:
    """An `evaluate` job: the first model is the reference (the base); every other one is compared with it."""

    job_id: str  # the evaluation's id
    team_id: str
    technique: str
    models: tuple[EvaluatedModel, ...]
    datasets: tuple[DatasetRef, ...]
    split_kind: str  # test: the split a train job with testSplit = split_fraction held out | all: every row
    split_fraction: float
    split_seed: int
    max_examples: int  # per dataset
    max_seq_length: int
    max_new_tokens: int
    bootstrap_resamples: int
    seed: int
    output_prefix: str

    @classmethod
    def from_payload(cls, p: dict) -> EvaluationConfig:
        split = p["split"]
        return cls(
            job_id=p["jobId"], team_id=p["teamId"], technique=p["technique"],
            models=tuple(EvaluatedModel(model_id=m["modelId"], label=m["label"], ref=BaseModelRef.from_payload(m["ref"]))
                         for m in p["models"]),
            datasets=tuple(DatasetRef(name=d["name"], key=d["key"], format=d["format"], container=d["container"],
                                      weight=float(d["weight"]), rows=d["rows"], sha256=d["sha256"])
                           for d in p["datasets"]),
            split_kind=split["kind"], split_fraction=split.get("fraction", 0.0), split_seed=split.get("seed", 42),
            max_examples=p.get("maxExamples", 300), max_seq_length=p.get("maxSeqLength", 512),
            max_new_tokens=p.get("maxNewTokens", 64), bootstrap_resamples=p.get("bootstrapResamples", 1000),
            seed=p.get("seed", 42), output_prefix=p["outputPrefix"],
        )
