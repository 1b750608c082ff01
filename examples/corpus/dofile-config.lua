-- Read the request to send from a Lua settings file kept with the test data.
-- Flags: --allow-read data
-- Without: dofile: reading "data/config.lua" needs --allow-read
local config = dofile("data/config.lua")

wrk.method = config.method
wrk.path = config.path
wrk.body = config.body
for name, value in pairs(config.headers) do
   wrk.headers[name] = value
end
