"""TrainConfig: every setting checked in one place, and an experiment read from a mapping."""

from dataclasses import asdict

import pytest

from har_ros.action.train import InitError, SettingsError, TrainConfig, train


def test_the_defaults_are_valid():
    TrainConfig().validate()


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"model": "resnet"}, "model"),
        ({"window": 0}, "window"),
        ({"batch_size": 0}, "batch_size"),
        ({"stride": 0}, "stride"),
        ({"epochs": 0}, "epochs"),
        ({"lr": 0.0}, "lr"),
        ({"val_fraction": 1.0}, "val_fraction"),
        ({"mirror": "sometimes"}, "mirror"),
        ({"view_yaw": 90.0}, "view_yaw"),
        ({"view_yaw": -5.0}, "view_yaw"),
        ({"view_yaw": 30.0, "augment": False}, "view_yaw"),
        ({"early": 1.5, "sampling": "crop"}, "early"),
        ({"early": 0.5}, "--sampling crop"),
        ({"rejection": "entropy"}, "rejection"),
        ({"known_rejection": 1.0}, "known_rejection"),
        ({"features": ("position", "speed")}, "features"),
        ({"centre": "feet"}, "centre"),
        ({"sampling": "random"}, "sampling"),
        ({"contrastive": {"instance_weight": -1.0}}, "contrastive weights"),
        ({"contrastive": {"margin": 1.0}}, "margin"),
    ],
)
def test_a_bad_setting_is_named(changes, named):
    with pytest.raises(SettingsError, match=named):
        TrainConfig(**changes).validate()


def test_freezing_needs_a_checkpoint_to_start_from():
    with pytest.raises(InitError, match="needs --init"):
        TrainConfig(freeze="backbone").validate()
    with pytest.raises(InitError, match="freeze must be one of"):
        TrainConfig(freeze="head").validate()


def test_train_refuses_settings_before_touching_the_data():
    with pytest.raises(SettingsError, match="epochs"):
        train(None, TrainConfig(epochs=0), progress=False)


def test_a_checkpoints_config_reads_back_as_the_same_config():
    config = TrainConfig(
        model="lstm",
        epochs=12,
        features=("position", "bone"),
        contrastive={"alpha": 0.2},
        val_fraction=0.1,
    )
    assert TrainConfig.from_dict(asdict(config)) == config


def test_a_mapping_takes_yaml_types_and_keeps_defaults_for_the_rest():
    config = TrainConfig.from_dict(
        {"lr": 1, "features": ["position", "velocity"], "epochs": None}, origin="exp.yaml"
    )
    assert config.lr == 1.0 and isinstance(config.lr, float)
    assert config.features == ("position", "velocity") and config.epochs is None
    assert config.window == TrainConfig().window


@pytest.mark.parametrize(
    "values, message",
    [
        ({"epochz": 3}, r"exp.yaml: unknown training settings \['epochz'\]"),
        ({"epochs": "ten"}, "exp.yaml: epochs must be a int, got 'ten'"),
        ({"augment": 1}, "augment must be a bool"),
        ({"window": True}, "window must be a int"),
    ],
)
def test_a_mapping_with_unknown_or_mistyped_fields_is_refused(values, message):
    with pytest.raises(SettingsError, match=message):
        TrainConfig.from_dict(values, origin="exp.yaml")
