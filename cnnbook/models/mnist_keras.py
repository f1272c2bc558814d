"""The Keras tutorial's MNIST convnet (Chollet, *Deep Learning with Python*, §5.1): 93,322 parameters."""

from flax import nnx

from cnnbook.models.layers import Layer, Layered, flatten, max_pool_2x2
from cnnbook.models.spec import NetworkSpec, TrainConfig


class MnistKeras(Layered):
    """Conv2D(32) → pool → Conv2D(64) → pool → Conv2D(64) → Dense(64) → Dense(10)."""

    def __init__(self, *, rngs: nnx.Rngs):
        # Keras Conv2D pads nothing ("valid"); Flax pads SAME unless told.
        self.conv2d = nnx.Conv(1, 32, (3, 3), padding="VALID", rngs=rngs)
        self.conv2d_1 = nnx.Conv(32, 64, (3, 3), padding="VALID", rngs=rngs)
        self.conv2d_2 = nnx.Conv(64, 64, (3, 3), padding="VALID", rngs=rngs)
        self.dense = nnx.Linear(3 * 3 * 64, 64, rngs=rngs)
        self.dense_1 = nnx.Linear(64, 10, rngs=rngs)

    def layers(self):
        """The named layers in order, as Keras' `model.summary()` lists them."""
        return [
            Layer("conv2d", "conv", lambda x: nnx.relu(self.conv2d(x)), self.conv2d),
            Layer("max_pooling2d", "pool", max_pool_2x2),
            Layer("conv2d_1", "conv", lambda x: nnx.relu(self.conv2d_1(x)), self.conv2d_1),
            Layer("max_pooling2d_1", "pool", max_pool_2x2),
            Layer("conv2d_2", "conv", lambda x: nnx.relu(self.conv2d_2(x)), self.conv2d_2),
            Layer("flatten", "flatten", flatten),
            Layer("dense", "dense", lambda x: nnx.relu(self.dense(x)), self.dense),
            Layer("dense_1", "dense", self.dense_1, self.dense_1),  # logits; softmax is applied by the loss
        ]


SPEC = NetworkSpec(
    name="mnist_keras",
    title="Keras MNIST convnet",
    source="F. Chollet, Deep Learning with Python, §5.1 (the Keras MNIST convnet tutorial)",
    dataset="mnist",
    input_shape=(28, 28, 1),
    build=MnistKeras,
    train={
        # The tutorial's own settings: RMSprop, lr 1e-3, batch 64, 5 epochs.
        "default": TrainConfig(optimizer="rmsprop", learning_rate=1e-3, batch_size=64, epochs=5),
        "full": TrainConfig(optimizer="rmsprop", learning_rate=1e-3, batch_size=64, epochs=5),
        # A taste of the same recipe on 2,000 synthetic digits, for tests.
        "smoke": TrainConfig(optimizer="rmsprop", learning_rate=1e-3, batch_size=64, epochs=2),
    },
)
