-- Sign each request as an old API wants it: X-Signature = md5(secret .. path .. timestamp).
-- Flags: (none)
local md5 = require "md5"
local secret = "s3cr3t"

request = function()
   local path = "/api/items?nonce=" .. math.random(1, 1e9)
   local ts = tostring(os.time())
   local headers = {
      ["X-Timestamp"] = ts,
      ["X-Signature"] = md5.sumhexa(secret .. path .. ts),
   }
   return wrk.format("GET", path, headers)
end
