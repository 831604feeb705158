-- A tenant's queued and running sessions in a mode, but `p_exclude` (the session being started).
-- plpgsql and VOLATILE on purpose: its query takes a snapshot of its own, so the statement that has
-- just waited for the tenant's row lock counts the sessions committed by the transaction it waited
-- for (a subquery would use the statement's snapshot, taken before the wait). startSession's quota
-- check takes the lock and counts in one round trip with it (api/src/services/quotas.ts).
CREATE FUNCTION everjust_active_sessions(p_tenant uuid, p_mode "Mode", p_exclude uuid) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RETURN (
    SELECT count(*) FROM sessions
    WHERE tenant_id = p_tenant AND mode = p_mode AND status IN ('queued', 'running') AND id IS DISTINCT FROM p_exclude
  );
END
$$;
