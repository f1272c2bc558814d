"""CNN Explainer's Tiny VGG: 64×64×3 → four 3×3 convolutions, two max-pools → 10 classes; 19,920 parameters."""

from flax import nnx

from cnnbook.models.layers import Layer, Layered, apply_conv, flatten, max_pool_2x2
from cnnbook.models.spec import NetworkSpec, TrainConfig


class TinyVGG(Layered):
    """conv_1_1 → relu → conv_1_2 → relu → pool → conv_2_1 → relu → conv_2_2 → relu → pool → output."""

    def __init__(self, *, rngs: nnx.Rngs):
        # CNN Explainer's convolutions pad nothing ("valid"): 64 → 62 → 60 → 30 → 28 → 26 → 13.
        self.conv_1_1 = nnx.Conv(3, 10, (3, 3), padding="VALID", rngs=rngs)
        self.conv_1_2 = nnx.Conv(10, 10, (3, 3), padding="VALID", rngs=rngs)
        self.conv_2_1 = nnx.Conv(10, 10, (3, 3), padding="VALID", rngs=rngs)
        self.conv_2_2 = nnx.Conv(10, 10, (3, 3), padding="VALID", rngs=rngs)
        self.output = nnx.Linear(13 * 13 * 10, 10, rngs=rngs)

    def layers(self):
        """The named layers in CNN Explainer's order (ReLUs are layers of their own there)."""
        return [
            _conv("conv_1_1", self.conv_1_1),
            Layer("relu_1_1", "relu", nnx.relu),
            _conv("conv_1_2", self.conv_1_2),
            Layer("relu_1_2", "relu", nnx.relu),
            Layer("max_pool_1", "pool", max_pool_2x2),
            _conv("conv_2_1", self.conv_2_1),
            Layer("relu_2_1", "relu", nnx.relu),
            _conv("conv_2_2", self.conv_2_2),
            Layer("relu_2_2", "relu", nnx.relu),
            Layer("max_pool_2", "pool", max_pool_2x2),
            Layer("flatten", "flatten", flatten),
            Layer("output", "dense", self.output, self.output),  # logits; CNN Explainer shows their softmax
        ]


def _conv(name: str, conv: nnx.Conv) -> Layer:
    """A convolution over 2×2 blocks of pixels (`apply_conv`); its ReLU is a layer of its own, so
    the layer's value is also its value before any activation."""
    linear = apply_conv(conv)
    return Layer(name, "conv", linear, conv, linear=linear)


def cnn_explainer_weights():
    """CNN Explainer's published Tiny VGG in our module, when its files are in the data folder; else None.

    The files must be the published ones (pinned SHA-256): a changed weight is an error.
    """
    from cnnbook.data.samples import verify_published
    from cnnbook.models import tfjs

    if not tfjs.available():
        return None
    verify_published("model/model.json")
    verify_published("model/group1-shard1of1.bin")
    model = tfjs.cnn_explainer_tiny_vgg()
    model.eval()
    return model


SPEC = NetworkSpec(
    name="tiny_vgg",
    title="Tiny VGG (CNN Explainer)",
    source="Wang et al., CNN Explainer (2020): the Tiny VGG of poloclub/cnn-explainer",
    dataset="tiny-imagenet-10",
    input_shape=(64, 64, 3),
    build=TinyVGG,
    published=cnn_explainer_weights,
    train={
        # A 2-core CPU: Adam instead of plain SGD, with flips and shifts and a cosine decay, passes CNN
        # Explainer's own 68.8% validation accuracy in 18 epochs (0.722 here, about 5 minutes; at a
        # constant rate 30 epochs ended at 0.760 but wandered between 0.71 and 0.76 from epoch 15).
        "default": TrainConfig(optimizer="adam", learning_rate=1e-3, batch_size=32, epochs=18, augment=True,
                               schedule="cosine"),
        # CNN Explainer's recipe: SGD, lr 1e-3, batch 32, early stopping with patience 50.
        "full": TrainConfig(optimizer="sgd", learning_rate=1e-3, batch_size=32, epochs=1000, patience=50),
        "smoke": TrainConfig(optimizer="adam", learning_rate=1e-3, batch_size=32, epochs=1),
    },
)
