# An independent reference of Argo CD's sharding algorithms (legacy, round-robin,
# consistent-hashing with bounded loads), written from their definitions with
# Python's hashlib; it printed the expected values of
# gitops-engine/src/cluster/sharding/tests.rs. Run: python3 reference.py
import hashlib, bisect, math
def fnv32a(b):
    h=0x811c9dc5
    for c in b: h=((h^c)*0x01000193)&0xffffffff
    return h
def ringhash(k): return int.from_bytes(hashlib.blake2b(k.encode()).digest()[:8],'little')
def legacy(cid,n): return 0 if cid=="" else fnv32a(cid.encode())%n
def rr(ids,n): return {c:i%n for i,c in enumerate(sorted(ids))}
def ch(clusters,n,apps):
    servers={}; pts=[]
    for s in range(n):
        for i in range(1000):
            h=ringhash(f"{s}{i}"); servers[h]=s
    keys=sorted(servers)
    load=[0]*n; out={}
    dist={}
    for a in apps: dist[a]=dist.get(a,0)+1
    for cid,server in sorted(clusters):
        h=ringhash(cid)
        while True:
            i=bisect.bisect_right(keys,h)
            if i==len(keys): i=0
            k=keys[i]; s=servers[k]
            total=sum(load); avg=(total+1)//n
            if avg==0: avg=1
            if load[s]+1<=math.ceil(avg*1.25): break
            h=k
        out[cid]=s; load[s]+=dist.get(server,0)
    return out
print("fnv", hex(fnv32a(b"")), hex(fnv32a(b"a")), hex(fnv32a(b"foobar")))
print("legacy 1..4 of 2", [legacy(x,2) for x in "1234"])
print("note uid", fnv32a(b"0d5c3a7e-4f1e-4b8a-9c2d-1a2b3c4d5e6f"), legacy("0d5c3a7e-4f1e-4b8a-9c2d-1a2b3c4d5e6f",3))
uids=["6b1d1a2e-0000-4000-8000-000000000001","0a2c3f11-0000-4000-8000-000000000002","f00dcafe-0000-4000-8000-000000000003","9e8d7c6b-0000-4000-8000-000000000004"]
print("legacy uids of 3", [legacy(u,3) for u in uids])
print("rr", rr(uids+[""],3))
cl=[(u,f"https://c{i}.example:6443") for i,u in enumerate(uids)]+[("", "https://kubernetes.default.svc")]
apps=["https://c0.example:6443"]*10+["https://c1.example:6443"]*3+["https://c2.example:6443"]*7+["https://kubernetes.default.svc"]*5
print("ch", ch(cl,3,apps))
print("ch noapps", ch(cl,3,[]))
