"""CNN Explainer's Tiny VGG: 64×64×3 → four 3×3 convolutions, two max-pools → 10 classes; 19,920 parameters."""

from flax import nnx

from cnnbook.models.layers import Layered, apply_conv, flatten, max_pool_2x2
from cnnbook.models.registry import NetworkSpec, TrainConfig, register


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
            ("conv_1_1", apply_conv(self.conv_1_1)),
            ("relu_1_1", nnx.relu),
            ("conv_1_2", apply_conv(self.conv_1_2)),
            ("relu_1_2", nnx.relu),
            ("max_pool_1", max_pool_2x2),
            ("conv_2_1", apply_conv(self.conv_2_1)),
            ("relu_2_1", nnx.relu),
            ("conv_2_2", apply_conv(self.conv_2_2)),
            ("relu_2_2", nnx.relu),
            ("max_pool_2", max_pool_2x2),
            ("flatten", flatten),
            ("output", self.output),  # logits; CNN Explainer shows their softmax
        ]



SPEC = register(
    NetworkSpec(
        name="tiny_vgg",
        title="Tiny VGG (CNN Explainer)",
        source="Wang et al., CNN Explainer (2020): the Tiny VGG of poloclub/cnn-explainer",
        dataset="tiny-imagenet-10",
        input_shape=(64, 64, 3),
        build=TinyVGG,
        train={
            # A 2-core CPU: Adam instead of plain SGD, with flips and shifts, converges in 30 epochs
            # (about 7 minutes) past CNN Explainer's own 68.8% validation accuracy.
            "default": TrainConfig(optimizer="adam", learning_rate=1e-3, batch_size=32, epochs=30, augment=True),
            # CNN Explainer's recipe: SGD, lr 1e-3, batch 32, early stopping with patience 50.
            "full": TrainConfig(optimizer="sgd", learning_rate=1e-3, batch_size=32, epochs=1000, patience=50),
            "smoke": TrainConfig(optimizer="adam", learning_rate=1e-3, batch_size=32, epochs=1),
        },
    )
)
