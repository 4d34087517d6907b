"""A source as a keras PyDataset (JAX and PyTorch; TensorFlow uses tf.data: dlbio.backend.tensorflow_only)."""

from __future__ import annotations

import keras
import numpy as np

from dlbio.data.encoding import index_to_onehot
from dlbio.data.pipeline import steps_per_epoch


class SourceBatches(keras.utils.PyDataset):
    """*source* in file order: batch i is rows i*b..(i+1)*b-1 as one-hot float32 (b, L, 4) and,
    with *labels*, labels float32 (b, T).  Keras goes through it again at every epoch, as
    validation does, and reads it by index."""

    def __init__(self, source, batch_size: int, labels: bool = True):
        super().__init__(workers=1, use_multiprocessing=False)
        self.source, self.batch_size, self.labels = source, batch_size, labels

    def __len__(self) -> int:
        return steps_per_epoch(self.source, self.batch_size)

    def __getitem__(self, i: int):
        x, y = self.source.read(i * self.batch_size, (i + 1) * self.batch_size)
        return (index_to_onehot(x), y.astype(np.float32)) if self.labels else index_to_onehot(x)
