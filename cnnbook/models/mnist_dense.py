"""The Keras tutorial's Dense-only MNIST baseline (784 → 512 → 10): 407,050 parameters."""

from flax import nnx

from cnnbook.models.layers import Layer, Layered, flatten
from cnnbook.models.spec import NetworkSpec, TrainConfig


class MnistDense(Layered):
    """Flatten → Dense(512, ReLU) → Dense(10): every pixel connected to every unit."""

    def __init__(self, *, rngs: nnx.Rngs):
        self.dense = nnx.Linear(28 * 28, 512, rngs=rngs)
        self.dense_1 = nnx.Linear(512, 10, rngs=rngs)

    def layers(self):
        """The named layers in order, as Keras names them."""
        return [
            Layer("flatten", "flatten", flatten),
            Layer("dense", "dense", lambda x: nnx.relu(self.dense(x)), self.dense),
            Layer("dense_1", "dense", self.dense_1, self.dense_1),
        ]


SPEC = NetworkSpec(
    name="mnist_dense",
    title="Dense-only MNIST baseline",
    source="F. Chollet, Deep Learning with Python, §2.1 (the Keras Dense baseline)",
    dataset="mnist",
    input_shape=(28, 28, 1),
    build=MnistDense,
    train={
        # The tutorial's baseline: RMSprop (Keras default lr 1e-3), batch 128, 5 epochs.
        "default": TrainConfig(optimizer="rmsprop", learning_rate=1e-3, batch_size=128, epochs=5),
        "full": TrainConfig(optimizer="rmsprop", learning_rate=1e-3, batch_size=128, epochs=5),
        "smoke": TrainConfig(optimizer="rmsprop", learning_rate=1e-3, batch_size=128, epochs=2),
    },
)
