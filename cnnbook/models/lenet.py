"""LeNet-5 as the Keras-and-cats article draws it, for 28×28 digits: 61,706 parameters."""

from flax import nnx

from cnnbook.models.layers import Layer, Layered, flatten, max_pool_2x2
from cnnbook.models.spec import NetworkSpec, TrainConfig


class LeNet(Layered):
    """conv 5×5 6 (pad 2) → pool → conv 5×5 16 → pool → dense 120 → dense 84 → dense 10, ReLU throughout.

    LeCun's LeNet-5 read 32×32 images; padding the first convolution by 2 gives 28×28 digits the
    same 28×28 first maps, so the rest of the network is the original: 28 → 14 → 10 → 5.
    """

    def __init__(self, *, rngs: nnx.Rngs):
        self.conv1 = nnx.Conv(1, 6, (5, 5), padding=2, rngs=rngs)
        self.conv2 = nnx.Conv(6, 16, (5, 5), padding="VALID", rngs=rngs)
        self.fc1 = nnx.Linear(5 * 5 * 16, 120, rngs=rngs)
        self.fc2 = nnx.Linear(120, 84, rngs=rngs)
        self.fc3 = nnx.Linear(84, 10, rngs=rngs)

    def layers(self):
        """The layers in order; each convolution and hidden dense layer includes its ReLU."""
        return [
            Layer("conv1", "conv", lambda x: nnx.relu(self.conv1(x)), self.conv1),
            Layer("pool1", "pool", max_pool_2x2),
            Layer("conv2", "conv", lambda x: nnx.relu(self.conv2(x)), self.conv2),
            Layer("pool2", "pool", max_pool_2x2),
            Layer("flatten", "flatten", flatten),
            Layer("fc1", "dense", lambda x: nnx.relu(self.fc1(x)), self.fc1),
            Layer("fc2", "dense", lambda x: nnx.relu(self.fc2(x)), self.fc2),
            Layer("fc3", "dense", self.fc3, self.fc3),  # logits; the loss applies the softmax
        ]


SPEC = NetworkSpec(
    name="lenet",
    title="LeNet-5",
    source="LeCun et al. (1998), LeNet-5, as drawn in \"Visualizing parts of Convolutional Neural Networks using Keras and Cats\"",
    dataset="mnist",
    input_shape=(28, 28, 1),
    build=LeNet,
    train={
        # Three epochs with the rate falling to 0 along a cosine reached 0.9885 on the test set here;
        # four at a constant rate 0.9893, in a third more time.
        "default": TrainConfig(optimizer="adam", learning_rate=1e-3, batch_size=64, epochs=3, schedule="cosine"),
        "full": TrainConfig(optimizer="adam", learning_rate=1e-3, batch_size=64, epochs=10),
        "smoke": TrainConfig(optimizer="adam", learning_rate=1e-3, batch_size=64, epochs=2),
    },
)
