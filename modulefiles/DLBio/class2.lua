-- Lmod module for the Deep Learning by Example class-2 tools (dlbio).
-- A site points it at its install by setting DLBIO_PREFIX below (the folder holding
-- bin/ with the console scripts, e.g. a virtual environment) and DLBIO_ROOT (the dlbio
-- source tree with scripts/ and data/), or by exporting them before `module load`.
help([[
DLBio class2: motif detection / discovery and vanishing-gradient examples (Keras 3).
Commands: mdet-simplernn mdet-conv1d mdisc-simplernn mdisc-conv1d vgrad-rnn
and the course script names in $DLBIO_BIN (mdet_conv1d.py, ...).
]])
whatis("Name: DLBio class2")
whatis("Description: Deep Learning by Example, class 2 (RNN / 1D-CNN) examples")

local root = os.getenv("DLBIO_ROOT") or pathJoin(myFileName():match("(.*)/modulefiles/"), "")
local prefix = os.getenv("DLBIO_PREFIX") or pathJoin(root, ".venv")

if (mode() == "load") then
  LmodMessage("[+] Loading DLByExample class2 ...")
end
setenv("DLBIO_HOME", root)
setenv("DLBIO_BIN", pathJoin(root, "scripts"))
setenv("DLBIO_DATA", pathJoin(root, "data"))
prepend_path("PATH", pathJoin(prefix, "bin"))
prepend_path("PATH", pathJoin(root, "scripts"))
