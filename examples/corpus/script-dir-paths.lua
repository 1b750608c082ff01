-- Find the script's own directory with debug.getinfo and load the path list kept beside it
-- (lib/paths.lua), so that the test runs from any working directory.
-- Flags: (none)
local source = debug.getinfo(1, "S").source
local dir = source:match("^@(.*)/[^/]*$") or "."
local paths = dofile(dir .. "/lib/paths.lua")

local i = 0
request = function()
   i = i % #paths + 1
   return wrk.format("GET", paths[i])
end
