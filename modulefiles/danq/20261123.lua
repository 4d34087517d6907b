-- Lmod module for DanQ/DeepSEA on Keras 3 (dlbio), in the style of Biowulf's danq module.
-- Point it at an install with DLBIO_ROOT (source tree) and DLBIO_PREFIX (environment with bin/).
help([[
DanQ / DeepSEA (dlbio): danq-train, danq-predict, danq-visualize (also train.py, predict.py, visualize.py),
  danq-prepare, danq-convert, danq-import (the published DanQ_bestmodel.hdf5), dlbio motifs|variants|track|mutagenesis|insert-motif.
  cp -r $DANQ_DATA/* .   then   danq-train -d data -g 4
]])
whatis("Name: danq")
whatis("Version: 20261123")
whatis("Description: DanQ and DeepSEA on TensorFlow 2.21 / Keras 3")

local root = os.getenv("DLBIO_ROOT") or pathJoin(myFileName():match("(.*)/modulefiles/"), "")
local prefix = os.getenv("DLBIO_PREFIX") or pathJoin(root, ".venv")

if (mode() == "load") then
  LmodMessage("[+] Loading danq 20261123 ...")
end
setenv("DANQ_HOME", root)
setenv("DANQ_BIN", pathJoin(prefix, "bin"))
setenv("DANQ_SRC", pathJoin(root, "scripts"))
setenv("DANQ_DATA", pathJoin(root, "data", "danq"))
setenv("DLBIO_DATA", pathJoin(root, "data"))
prepend_path("PATH", pathJoin(prefix, "bin"))
prepend_path("PATH", pathJoin(root, "scripts"))
