-- Apply data/overrides.lua when it can be loaded, and go on with the defaults otherwise.
-- Flags: --allow-read data
-- Without: loadfile: reading "data/overrides.lua" needs --allow-read
wrk.path = "/api/items"
local chunk, err = loadfile("data/overrides.lua")
if chunk then
   local o = chunk()
   wrk.path = o.path or wrk.path
else
   print("no overrides: " .. tostring(err))
end
