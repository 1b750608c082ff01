-- Log in once per thread, then send the token the server returned in the
-- X-Token response header with every later request.

local token

-- Header names arrive as the server wrote them; compare without case.
local function header(headers, wanted)
   wanted = wanted:lower()
   for name, value in pairs(headers) do
      if name:lower() == wanted then
         return value
      end
   end
end

function request()
   if not token then
      return wrk.format("POST", "/login", { ["Content-Type"] = "application/x-www-form-urlencoded" },
                        "user=demo&password=demo")
   end
   return wrk.format("GET", "/api/items", { Authorization = "Bearer " .. token })
end

function response(status, headers, body)
   if not token and status == 200 then
      token = header(headers, "X-Token")
   end
end
